package dev.pith.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes any Pith tokenizer as a Hugging Face {@code tokenizer.json} plus {@code tokenizer_config.json}.
 * <ul>
 * <li>SentencePiece-style vocabularies with scores (GGUF "llama", llama2.c) become what HF's own Llama
 *     conversion produces: a BPE model with byte fallback whose merges are every split of a token into
 *     two tokens, ordered by the merged token's score (highest first), and a Prepend("▁") + Replace(" ",
 *     "▁") normalizer. Ranked this way, BPE's lowest-rank-first merging applies the same merges as the
 *     score-based SentencePiece merging.</li>
 * <li>Byte-level vocabularies from GGUF become BPE with one Split per llama.cpp regex followed by
 *     ByteLevel, so HF splits the text the way the named {@code tokenizer.ggml.pre} does.</li>
 * <li>A tokenizer read from a tokenizer.json is written back with its own normalizer, pre-tokenizer,
 *     post-processor and decoder.</li>
 * </ul>
 */
final class HfTokenizerJsonWriter {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfTokenizerJsonWriter() {}

    static void write(Tokenizer t, Path dir) {
        if (!(t instanceof AbstractTokenizer at))
            throw new PithException("Tokenizer " + t.getClass().getName() + " cannot be written as tokenizer.json; only Pith's own tokenizers can.");
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new PithException(dir + " cannot be created (" + e.getMessage() + ").", e);
        }
        byte[] tokenizerJson = bytes(tokenizerJson(at));
        byte[] config = bytes(config(at));
        AtomicFile.write(dir.resolve(TOKENIZER_JSON), out -> out.write(tokenizerJson));
        AtomicFile.write(dir.resolve(TOKENIZER_CONFIG), out -> out.write(config));
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);  // a tree of plain nodes always serializes
        }
    }

    static ObjectNode tokenizerJson(AbstractTokenizer t) {
        Vocabulary v = t.vocabulary();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.set("added_tokens", addedTokens(t));
        ObjectNode model = JSON.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        if (v.unk() >= 0) model.put("unk_token", v.text(v.unk()));
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        switch (t) {
            case SpmTokenizer spm -> {
                boolean hasBytes = hasByteTokens(v);
                root.set("normalizer", spmNormalizer(spm.addSpacePrefix()));
                root.putNull("pre_tokenizer");
                root.set("post_processor", template(v, null));
                root.set("decoder", spmDecoder(spm.addSpacePrefix()));
                // llama.cpp falls back to bytes when it has the byte tokens; unknown characters are one <unk> each otherwise.
                model.put("fuse_unk", hasBytes);
                model.put("byte_fallback", hasBytes);
                model.put("ignore_merges", false);
                model.set("vocab", vocab(v));
                model.set("merges", mergesFromScores(v));
            }
            case BpeTokenizer bpe -> {
                ObjectNode pipeline = bpe.hfPipeline();
                if (pipeline != null) {
                    pipeline.properties().forEach(e -> root.set(e.getKey(), e.getValue()));
                    // Pith adds BOS where llama.cpp would (Llama 3 files without a template): say so in the file.
                    JsonNode pp = pipeline.path("post_processor");
                    if (!pp.toString().contains("TemplateProcessing"))
                        root.set("post_processor", template(v, pp.isObject() ? (ObjectNode) pp : null));
                } else {
                    root.putNull("normalizer");
                    root.set("pre_tokenizer", byteLevelPreTokenizer(bpe));
                    root.set("post_processor", template(v, byteLevelNode(false)));
                    root.set("decoder", byteLevelNode(true));
                }
                model.put("fuse_unk", bpe.fuseUnk());
                model.put("byte_fallback", bpe.byteFallback());
                model.put("ignore_merges", bpe.ignoreMerges());
                model.set("vocab", vocab(v));
                ArrayNode merges = JSON.createArrayNode();
                for (int[] m : bpe.merges()) merges.addArray().add(v.text(m[0])).add(v.text(m[1]));
                model.set("merges", merges);
            }
        }
        root.set("model", model);
        return root;
    }

    private static ArrayNode addedTokens(AbstractTokenizer t) {
        List<AddedTokenSplitter.Entry> entries = new ArrayList<>(t.addedTokens());
        entries.sort(Comparator.comparingInt(AddedTokenSplitter.Entry::id));
        ArrayNode out = JSON.createArrayNode();
        for (AddedTokenSplitter.Entry e : entries) {
            ObjectNode a = out.addObject();
            a.put("id", e.id());
            a.put("content", e.text());
            a.put("single_word", e.singleWord());
            a.put("lstrip", e.lstrip());
            a.put("rstrip", e.rstrip());
            // Pith matches added tokens on the raw text, so they are written as not normalized.
            a.put("normalized", false);
            a.put("special", e.special());
        }
        return out;
    }

    /** Token text to id; a text that occurs twice keeps its first id, as Pith's lookups do. */
    private static ObjectNode vocab(Vocabulary v) {
        ObjectNode out = JSON.createObjectNode();
        for (int i = 0; i < v.size(); i++) if (!out.has(v.text(i))) out.put(v.text(i), i);
        return out;
    }

    private static boolean hasByteTokens(Vocabulary v) {
        for (int i = 0; i < v.size(); i++) if (v.type(i) == TokenType.BYTE) return true;
        return false;
    }

    /**
     * Every (left, right) whose concatenation is a token, both parts being tokens, ordered by the
     * merged token's score (highest first), then the merged token's id, then the parts' ids.
     */
    static ArrayNode mergesFromScores(Vocabulary v) {
        List<int[]> merges = new ArrayList<>();  // {left, right, merged}
        for (int id = 0; id < v.size(); id++) {
            if (v.type(id) == TokenType.BYTE) continue;
            String s = v.text(id);
            for (int cut = 1; cut < s.length(); cut++) {
                if (Character.isLowSurrogate(s.charAt(cut)) && Character.isHighSurrogate(s.charAt(cut - 1))) continue;
                int l = v.id(s.substring(0, cut)), r = v.id(s.substring(cut));
                if (l >= 0 && r >= 0) merges.add(new int[] {l, r, id});
            }
        }
        merges.sort(Comparator.<int[]>comparingInt(m -> SpmMerger.priority(v.score(m[2])))
                .thenComparingInt(m -> m[2]).thenComparingInt(m -> m[0]).thenComparingInt(m -> m[1]));
        ArrayNode out = JSON.createArrayNode();
        for (int[] m : merges) out.addArray().add(v.text(m[0])).add(v.text(m[1]));
        return out;
    }

    private static ObjectNode spmNormalizer(boolean addSpacePrefix) {
        ObjectNode replace = JSON.createObjectNode();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        if (!addSpacePrefix) return replace;
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("normalizers");
        list.addObject().put("type", "Prepend").put("prepend", "\u2581");
        list.add(replace);
        return seq;
    }

    private static ObjectNode spmDecoder(boolean addSpacePrefix) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("decoders");
        ObjectNode replace = list.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", "\u2581");
        replace.put("content", " ");
        list.addObject().put("type", "ByteFallback");
        list.addObject().put("type", "Fuse");
        if (addSpacePrefix) list.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        return seq;
    }

    private static ObjectNode byteLevelPreTokenizer(BpeTokenizer bpe) {
        PreTokenizerRegexes.Spec spec = PreTokenizerRegexes.forGgufPre(bpe.ggufPre());
        if (spec == null)
            throw new PithException("This byte-level tokenizer has no known pre-tokenizer (" + bpe.ggufPre() + "), so it cannot be written as tokenizer.json.");
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        for (String regex : spec.regexes()) {
            ObjectNode split = list.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", regex);
            split.put("behavior", "Isolated");
            split.put("invert", false);
        }
        ObjectNode bl = byteLevelNode(false);
        list.add(bl);
        return seq;
    }

    private static ObjectNode byteLevelNode(boolean trimOffsets) {
        ObjectNode bl = JSON.createObjectNode();
        bl.put("type", "ByteLevel");
        bl.put("add_prefix_space", false);
        bl.put("trim_offsets", trimOffsets);
        bl.put("use_regex", false);
        return bl;
    }

    /** TemplateProcessing adding BOS / EOS as the vocabulary asks (after {@code first} when given); {@code first} alone otherwise. */
    private static JsonNode template(Vocabulary v, ObjectNode first) {
        boolean bos = v.addBos() && v.bos() >= 0, eos = v.addEos() && v.eos() >= 0;
        if (!bos && !eos) return first == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : first;
        ObjectNode tp = JSON.createObjectNode();
        tp.put("type", "TemplateProcessing");
        ArrayNode single = tp.putArray("single"), pair = tp.putArray("pair");
        ObjectNode specials = JSON.createObjectNode();
        for (int seq = 0; seq < 2; seq++) {
            if (bos) special(pair, v.text(v.bos()), seq);
            sequence(pair, seq == 0 ? "A" : "B", seq);
            if (eos) special(pair, v.text(v.eos()), seq);
        }
        if (bos) special(single, v.text(v.bos()), 0);
        sequence(single, "A", 0);
        if (eos) special(single, v.text(v.eos()), 0);
        for (int id : new int[] {bos ? v.bos() : -1, eos ? v.eos() : -1}) {
            if (id < 0) continue;
            ObjectNode s = specials.putObject(v.text(id));
            s.put("id", v.text(id));
            s.putArray("ids").add(id);
            s.putArray("tokens").add(v.text(id));
        }
        tp.set("special_tokens", specials);
        if (first == null) return tp;
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        seq.putArray("processors").add(first).add(tp);
        return seq;
    }

    private static void special(ArrayNode list, String text, int typeId) {
        list.addObject().putObject("SpecialToken").put("id", text).put("type_id", typeId);
    }

    private static void sequence(ArrayNode list, String id, int typeId) {
        list.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }

    /** bos/eos/unk/pad, add_bos/add_eos and the chat template, as transformers reads them. */
    static ObjectNode config(AbstractTokenizer t) {
        Vocabulary v = t.vocabulary();
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        tokenOrNull(c, "bos_token", v, v.bos());
        tokenOrNull(c, "eos_token", v, v.eos());
        tokenOrNull(c, "unk_token", v, v.unk());
        tokenOrNull(c, "pad_token", v, v.pad());
        c.put("add_bos_token", v.addBos());
        c.put("add_eos_token", v.addEos());
        c.put("clean_up_tokenization_spaces", false);
        if (t.chatTemplate() != null) c.put("chat_template", t.chatTemplate());
        return c;
    }

    private static void tokenOrNull(ObjectNode c, String key, Vocabulary v, int id) {
        if (id >= 0) c.put(key, v.text(id));
        else c.putNull(key);
    }
}
