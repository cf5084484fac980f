package dev.pith.model.tokenizer;

import dev.pith.core.PithException;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufValueType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a tokenizer from GGUF {@code tokenizer.ggml.*} metadata with llama.cpp's defaults and
 * overrides (llama-vocab.cpp), and writes those keys back for a tokenizer Pith holds.
 */
final class GgufTokenizerMetadata {
    static final String PREFIX = "tokenizer.ggml.";
    private static final long NO_ID = 0xFFFFFFFFL;

    private GgufTokenizerMetadata() {}

    // ---------------------------------------------------------------- reading

    static AbstractTokenizer read(Map<String, GgufValue> md, Path source) {
        AbstractTokenizer t = readVocabulary(md, source);
        GgufValue template = md.get("tokenizer.chat_template");
        if (template != null && template.value() instanceof String s) t.setChatTemplate(s);
        return t;
    }

    private static AbstractTokenizer readVocabulary(Map<String, GgufValue> md, Path source) {
        Reader r = new Reader(md, source);
        String model = r.string("model", null);
        if (model == null) throw r.bad("has no tokenizer (metadata key tokenizer.ggml.model is missing)");
        List<String> tokens = r.strings("tokens");
        if (tokens == null) throw r.bad("has no token list (metadata key tokenizer.ggml.tokens is missing)");
        if (tokens.isEmpty()) throw r.bad("has an empty token list");
        int n = tokens.size();
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            String t = tokens.get(i);
            // llama.cpp renames empty tokens so that lookups stay unique.
            texts[i] = t.isEmpty() ? "[EMPTY_" + i + "]" : t;
        }
        float[] scores = r.floats("scores", n);
        TokenType[] types = r.types("token_type", n);

        switch (model) {
            case "llama" -> {
                if (scores == null) scores = new float[n];
                forceControl(texts, types);
                boolean addSpacePrefix = r.bool("add_space_prefix", true);
                Vocabulary v = new Vocabulary(texts, types, scores, r.id("bos_token_id", 1, n), r.id("eos_token_id", 2, n),
                        r.id("unknown_token_id", 0, n), r.id("padding_token_id", -1, n),
                        r.bool("add_bos_token", true), r.bool("add_eos_token", false));
                return new SpmTokenizer(v, addSpacePrefix, phi3Rstrip(md, v));
            }
            case "gpt2" -> {
                String pre = r.string("pre", null);
                PreTokenizerRegexes.Spec spec = PreTokenizerRegexes.forGgufPre(pre);
                if (spec == null) throw r.bad("uses the pre-tokenizer '" + pre + "', which Pith does not support");
                forceControl(texts, types);
                Vocabulary v = new Vocabulary(texts, types, scores, r.id("bos_token_id", 11, n), r.id("eos_token_id", 11, n),
                        r.id("unknown_token_id", -1, n), r.id("padding_token_id", -1, n),
                        r.bool("add_bos_token", spec.addBosDefault()), r.bool("add_eos_token", false));
                List<String> mergeStrings = r.strings("merges");
                if (mergeStrings == null) throw r.bad("has a gpt2 tokenizer without merges (tokenizer.ggml.merges is missing)");
                int[][] merges = mergesFromStrings(mergeStrings, v);
                AddedTokenSplitter splitter = new AddedTokenSplitter(
                        AbstractTokenizer.llamaCppAddedTokens(v, Set.of()), AddedTokenSplitter.Mode.LONGEST_FIRST);
                return new BpeTokenizer(v, splitter, Normalizer.IDENTITY, PreTokenizerRegexes.splitter(spec.regexes()),
                        merges, AbstractTokenizer.PieceEncoding.BYTE_LEVEL, false, spec.ignoreMerges(), false, false, spec.name());
            }
            default -> throw r.bad("uses the tokenizer model '" + model + "', which Pith does not support (it reads 'llama' and 'gpt2')");
        }
    }

    /** "a b" merge lines (split at the first space after the first character, as llama.cpp does) to id triples; unusable lines are skipped. */
    static int[][] mergesFromStrings(List<String> lines, Vocabulary v) {
        List<int[]> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            int sp = line.indexOf(' ', 1);
            if (sp < 0) continue;
            String a = line.substring(0, sp), b = line.substring(sp + 1);
            int ia = v.id(a), ib = v.id(b), im = v.id(a + b);
            if (ia >= 0 && ib >= 0 && im >= 0) out.add(new int[] {ia, ib, im});
        }
        return out.toArray(new int[0][]);
    }

    // llama.cpp forces these end-of-turn / fill-in-the-middle markers to CONTROL whatever the file says.
    private static final Set<String> CONTROL_LOOKING = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>", "<|eom_id|>", "<|fim_prefix|>", "<fim-prefix>",
            "<｜fim▁begin｜>", "<PRE>", "<|fim_suffix|>", "<fim-suffix>", "<｜fim▁hole｜>", "<SUF>", "<|fim_middle|>",
            "<fim-middle>", "<｜fim▁end｜>", "<MID>", "<|fim_pad|>", "<fim-pad>", "<PAD>", "<|fim_repo|>", "<|repo_name|>",
            "<fim-repo>", "<REPO>", "<|file_sep|>");

    private static void forceControl(String[] texts, TokenType[] types) {
        for (int i = 0; i < texts.length; i++) if (CONTROL_LOOKING.contains(texts[i])) types[i] = TokenType.CONTROL;
    }

    /** llama.cpp makes Phi-3's special tokens swallow whitespace after them (except unk, s, endoftext). */
    private static Set<Integer> phi3Rstrip(Map<String, GgufValue> md, Vocabulary v) {
        GgufValue name = md.get("general.name");
        if (name == null || !(name.value() instanceof String s)) return Set.of();
        String lower = s.toLowerCase(Locale.ROOT);
        if (!lower.contains("phi-3") && !lower.contains("phi3")) return Set.of();
        Set<Integer> ids = new HashSet<>();
        for (int id = 0; id < v.size(); id++) {
            TokenType t = v.type(id);
            if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) ids.add(id);
        }
        int eos = v.id("</s>");
        if (eos >= 0) ids.add(eos);
        for (String keep : new String[] {"<unk>", "<s>", "<|endoftext|>"}) ids.remove(v.id(keep));
        return ids;
    }

    private record Reader(Map<String, GgufValue> md, Path source) {
        PithException bad(String what) { return new PithException(source + " " + what + "."); }

        GgufValue get(String key) { return md.get(PREFIX + key); }

        String string(String key, String fallback) {
            GgufValue v = get(key);
            if (v == null) return fallback;
            if (v.type() != GgufValueType.STRING) throw bad("has metadata " + PREFIX + key + " of type " + v.type() + ", expected a string");
            return (String) v.value();
        }

        List<String> strings(String key) {
            GgufValue v = get(key);
            if (v == null) return null;
            if (!v.isArray() || v.elementType() != GgufValueType.STRING)
                throw bad("has metadata " + PREFIX + key + " that is not an array of strings");
            List<String> out = new ArrayList<>(v.list().size());
            for (Object o : v.list()) out.add((String) o);
            return out;
        }

        float[] floats(String key, int n) {
            GgufValue v = get(key);
            if (v == null) return null;
            if (!v.isArray()) throw bad("has metadata " + PREFIX + key + " that is not an array");
            List<Object> l = v.list();
            if (l.size() != n) throw bad("has " + l.size() + " entries in " + PREFIX + key + " for " + n + " tokens");
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                if (!(l.get(i) instanceof Number num)) throw bad("has non-numeric values in " + PREFIX + key);
                out[i] = num.floatValue();
            }
            return out;
        }

        TokenType[] types(String key, int n) {
            TokenType[] out = new TokenType[n];
            GgufValue v = get(key);
            if (v == null) {
                java.util.Arrays.fill(out, TokenType.NORMAL);
                return out;
            }
            if (!v.isArray()) throw bad("has metadata " + PREFIX + key + " that is not an array");
            List<Object> l = v.list();
            if (l.size() != n) throw bad("has " + l.size() + " entries in " + PREFIX + key + " for " + n + " tokens");
            for (int i = 0; i < n; i++) {
                if (!(l.get(i) instanceof Number num)) throw bad("has non-numeric values in " + PREFIX + key);
                out[i] = TokenType.of(num.longValue());
            }
            return out;
        }

        /** A special-token id; absent keeps the default, out-of-range ids (incl. 0xFFFFFFFF) mean "none" when the default is, else keep the default as llama.cpp does. */
        int id(String key, int fallback, int n) {
            GgufValue v = get(key);
            if (v == null) return fallback;
            long id;
            try {
                id = v.asLong();
            } catch (IllegalStateException e) {
                throw bad("has metadata " + PREFIX + key + " of type " + v.type() + ", expected an integer");
            }
            if (id == NO_ID || id == -1) return fallback >= 0 && fallback < n ? fallback : -1;
            return id >= 0 && id < n ? (int) id : fallback;
        }

        boolean bool(String key, boolean fallback) {
            GgufValue v = get(key);
            if (v == null) return fallback;
            if (v.value() instanceof Boolean b) return b;
            throw bad("has metadata " + PREFIX + key + " of type " + v.type() + ", expected a bool");
        }
    }

    // ---------------------------------------------------------------- writing

    static Map<String, GgufValue> write(Tokenizer t) {
        if (!(t instanceof AbstractTokenizer at))
            throw new PithException("Tokenizer " + t.getClass().getName() + " cannot be written to GGUF; only Pith's own tokenizers can.");
        Vocabulary v = at.vocabulary();
        Map<String, GgufValue> md = new LinkedHashMap<>();
        int n = v.size();
        List<String> texts = new ArrayList<>(n);
        List<Integer> types = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts.add(v.text(i));
            types.add(v.type(i).id());
        }
        switch (at) {
            case SpmTokenizer spm -> {
                md.put(PREFIX + "model", GgufValue.string("llama"));
                md.put(PREFIX + "pre", GgufValue.string("default"));
                md.put(PREFIX + "tokens", GgufValue.array(GgufValueType.STRING, texts));
                md.put(PREFIX + "scores", GgufValue.array(GgufValueType.FLOAT32, boxed(v.scoresCopy())));
                md.put(PREFIX + "token_type", GgufValue.array(GgufValueType.INT32, types));
                if (!spm.addSpacePrefix()) md.put(PREFIX + "add_space_prefix", GgufValue.bool(false));
            }
            case BpeTokenizer bpe when bpe.pieceEncoding() == AbstractTokenizer.PieceEncoding.SENTENCEPIECE -> {
                // A SentencePiece model converted to merges (tokenizer.json): llama.cpp wants scores, and
                // scoring each token by minus the rank of its first merge makes llama.cpp's
                // highest-score-first merging pick the same merges in the same order.
                float[] scores = new float[n];
                java.util.Arrays.fill(scores, -(float) (bpe.merges().length + 1));
                for (int i = 0; i < n; i++) if (v.type(i) != TokenType.NORMAL) scores[i] = 0f;
                boolean[] seen = new boolean[n];
                int[][] merges = bpe.merges();
                for (int r = 0; r < merges.length; r++) {
                    int m = merges[r][2];
                    if (!seen[m]) {
                        seen[m] = true;
                        scores[m] = -(float) r;
                    }
                }
                md.put(PREFIX + "model", GgufValue.string("llama"));
                md.put(PREFIX + "pre", GgufValue.string("default"));
                md.put(PREFIX + "tokens", GgufValue.array(GgufValueType.STRING, texts));
                md.put(PREFIX + "scores", GgufValue.array(GgufValueType.FLOAT32, boxed(scores)));
                md.put(PREFIX + "token_type", GgufValue.array(GgufValueType.INT32, types));
                if (!bpe.stripsLeadingSpace()) md.put(PREFIX + "add_space_prefix", GgufValue.bool(false));
            }
            case BpeTokenizer bpe -> {
                if (bpe.ggufPre() == null)
                    throw new PithException("This tokenizer's pre-tokenizer matches none that llama.cpp knows, so it cannot be written to GGUF.");
                List<String> merges = new ArrayList<>(bpe.merges().length);
                for (int[] m : bpe.merges()) merges.add(v.text(m[0]) + " " + v.text(m[1]));
                md.put(PREFIX + "model", GgufValue.string("gpt2"));
                md.put(PREFIX + "pre", GgufValue.string(bpe.ggufPre()));
                md.put(PREFIX + "tokens", GgufValue.array(GgufValueType.STRING, texts));
                md.put(PREFIX + "token_type", GgufValue.array(GgufValueType.INT32, types));
                md.put(PREFIX + "merges", GgufValue.array(GgufValueType.STRING, merges));
            }
        }
        // llama.cpp has no "no BOS" for gpt2 vocabularies (an absent or out-of-range id means id 11),
        // so a model without BOS (Qwen) names EOS there; add_bos_token=false keeps it unused.
        int bos = v.bos() < 0 && at instanceof BpeTokenizer && !v.addBos() ? v.eos() : v.bos();
        putId(md, "bos_token_id", bos);
        putId(md, "eos_token_id", v.eos());
        putId(md, "unknown_token_id", v.unk());
        putId(md, "padding_token_id", v.pad());
        md.put(PREFIX + "add_bos_token", GgufValue.bool(v.addBos()));
        md.put(PREFIX + "add_eos_token", GgufValue.bool(v.addEos()));
        if (at.chatTemplate() != null) md.put("tokenizer.chat_template", GgufValue.string(at.chatTemplate()));
        return md;
    }

    private static void putId(Map<String, GgufValue> md, String key, int id) {
        if (id >= 0) md.put(PREFIX + key, GgufValue.u32(id));
    }

    private static List<Float> boxed(float[] a) {
        List<Float> out = new ArrayList<>(a.length);
        for (float f : a) out.add(f);
        return out;
    }
}
