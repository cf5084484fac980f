package dev.pith.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link BpeTokenizer} from a Hugging Face {@code tokenizer.json} (BPE model; normalizers
 * NFC/NFD/NFKC/NFKD, Lowercase, Prepend, Replace, Sequence; pre-tokenizers Split, ByteLevel,
 * Metaspace, Digits, Punctuation, Sequence; TemplateProcessing for BOS/EOS; added tokens), reading
 * {@code tokenizer_config.json} beside it when present for bos/eos and add_bos/add_eos.
 */
final class HfTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;

    private HfTokenizerJson(Path path) { this.path = path; }

    static BpeTokenizer load(Path path) {
        return new HfTokenizerJson(path).build();
    }

    private PithException bad(String what) { return new PithException(path + " " + what + "."); }

    private JsonNode readJson(Path p) {
        try {
            return JSON.readTree(Files.readAllBytes(p));
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new PithException(p + " is not readable JSON (" + msg + ").", e);
        }
    }

    private BpeTokenizer build() {
        if (!Files.isRegularFile(path)) throw new PithException(path + " does not exist or is not a file.");
        JsonNode root = readJson(path);
        if (root == null || !root.isObject()) throw bad("is not a tokenizer.json (no JSON object)");
        JsonNode model = root.path("model");
        if (!model.isObject()) throw bad("has no \"model\" object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw bad("uses the model type '" + type + "'; Pith reads BPE tokenizers only");
        for (String k : new String[] {"continuing_subword_prefix", "end_of_word_suffix"})
            if (!model.path(k).asText("").isEmpty()) throw bad("uses BPE " + k + ", which Pith does not support");
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw bad("has no BPE vocabulary (model.vocab)");

        // Token table: vocab plus added tokens; ids may leave gaps, which become unused placeholders.
        JsonNode added = root.path("added_tokens");
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) throw bad("has a non-integer id for token '" + e.getKey() + "'");
            n = Math.max(n, e.getValue().asInt() + 1);
        }
        if (added.isArray()) for (JsonNode a : added) n = Math.max(n, a.path("id").asInt(-1) + 1);
        if (n > 10_000_000) throw bad("declares " + n + " tokens, more than Pith accepts");
        String[] texts = new String[n];
        TokenType[] types = new TokenType[n];
        vocabNode.fields().forEachRemaining(e -> {
            int id = e.getValue().asInt();
            texts[id] = e.getKey();
            types[id] = TokenType.NORMAL;
        });
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        List<AddedTokenSplitter.Entry> entries = new ArrayList<>();
        if (added.isArray()) {
            for (JsonNode a : added) {
                int id = a.path("id").asInt(-1);
                String content = a.path("content").asText(null);
                if (id < 0 || content == null) throw bad("has an added token without id or content");
                boolean special = a.path("special").asBoolean(false);
                texts[id] = content;
                types[id] = special ? TokenType.CONTROL : TokenType.USER_DEFINED;
                entries.add(new AddedTokenSplitter.Entry(id, content, special, a.path("lstrip").asBoolean(false),
                        a.path("rstrip").asBoolean(false), a.path("single_word").asBoolean(false)));
            }
        }
        for (int i = 0; i < n; i++) {
            if (texts[i] == null) {
                texts[i] = "[PAD" + i + "]";
                types[i] = TokenType.UNUSED;
            } else if (byteFallback && types[i] == TokenType.NORMAL && AbstractTokenizer.parseByteToken(texts[i]) >= 0) {
                types[i] = TokenType.BYTE;
            }
        }
        String unkText = model.path("unk_token").asText(null);
        int unk = -1;
        if (unkText != null) {
            unk = indexOf(texts, unkText);
            if (unk >= 0 && types[unk] != TokenType.USER_DEFINED) types[unk] = TokenType.UNKNOWN;
        }

        Normalizer normalizer = normalizer(root.path("normalizer"));
        PipelineInfo info = new PipelineInfo();
        PreTokenizer pre = preTokenizer(root.path("pre_tokenizer"), info);
        JsonNode decoder = root.path("decoder");
        boolean byteLevel = info.byteLevel || hasType(decoder, "ByteLevel");
        boolean stripLeadingSpace = !byteLevel && (info.metaspacePrepends || hasPrependNormalizer(root.path("normalizer")));

        // Specials: the post-processor template says what encode adds; tokenizer_config.json names bos/eos.
        int[] template = templateIds(root.path("post_processor"), texts);  // {prefix id or -1, suffix id or -1}
        JsonNode config = readConfig();
        int bos = template[0], eos = -1, pad = -1;
        String bosText = specialText(config, "bos_token");
        String eosText = specialText(config, "eos_token");
        String padText = specialText(config, "pad_token");
        if (bos < 0 && bosText != null) bos = indexOf(texts, bosText);
        if (eosText != null) eos = indexOf(texts, eosText);
        if (eos < 0) eos = template[1];
        if (padText != null) pad = indexOf(texts, padText);
        // Not named by the config (an explicit null counts as named): the usual names, as the HF
        // tokenizer classes default them (GPT-2 uses <|endoftext|> for both).
        if (bos < 0 && (config == null || !config.has("bos_token"))) bos = firstOf(texts, "<s>", "<|begin_of_text|>", "<|endoftext|>");
        if (eos < 0 && (config == null || !config.has("eos_token"))) eos = firstOf(texts, "</s>", "<|end_of_text|>", "<|endoftext|>");
        boolean addBos = template[0] >= 0;
        boolean addEos = template[1] >= 0;
        if (config != null && config.has("add_bos_token") && config.get("add_bos_token").isBoolean()) addBos = config.get("add_bos_token").asBoolean();
        else if (template[0] < 0 && "llama-bpe".equals(info.ggufPre) && bos >= 0) addBos = true;  // as llama.cpp does for this pre-tokenizer
        if (config != null && config.has("add_eos_token") && config.get("add_eos_token").isBoolean()) addEos = config.get("add_eos_token").asBoolean();
        addBos &= bos >= 0;
        addEos &= eos >= 0;

        Vocabulary vocab = new Vocabulary(texts, types, null, bos, eos, unk, pad, addBos, addEos);
        int[][] merges = merges(model.path("merges"), vocab);
        AddedTokenSplitter splitter = new AddedTokenSplitter(entries, AddedTokenSplitter.Mode.LEFTMOST_LONGEST);
        BpeTokenizer t = new BpeTokenizer(vocab, splitter, normalizer, pre, merges,
                byteLevel ? AbstractTokenizer.PieceEncoding.BYTE_LEVEL : AbstractTokenizer.PieceEncoding.SENTENCEPIECE,
                byteFallback, model.path("ignore_merges").asBoolean(false), model.path("fuse_unk").asBoolean(false),
                stripLeadingSpace, byteLevel ? info.ggufPre : null);
        t.setChatTemplate(chatTemplate(config));
        // Kept as read, so writing the tokenizer back out as tokenizer.json loses nothing of its pipeline.
        com.fasterxml.jackson.databind.node.ObjectNode pipeline = JSON.createObjectNode();
        for (String k : new String[] {"normalizer", "pre_tokenizer", "post_processor", "decoder"})
            pipeline.set(k, root.has(k) ? root.get(k) : com.fasterxml.jackson.databind.node.NullNode.getInstance());
        t.setHfPipeline(pipeline);
        return t;
    }

    /** tokenizer_config.json's chat_template: a string, or a list of {name, template} of which "default" (else the first) is taken. */
    private static String chatTemplate(JsonNode config) {
        if (config == null) return null;
        JsonNode c = config.path("chat_template");
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            String first = null;
            for (JsonNode e : c) {
                String tpl = e.path("template").asText(null);
                if (first == null) first = tpl;
                if ("default".equals(e.path("name").asText())) return tpl;
            }
            return first;
        }
        return null;
    }

    private JsonNode readConfig() {
        Path cfg = path.resolveSibling("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return null;
        JsonNode c = readJson(cfg);
        if (!c.isObject()) throw new PithException(cfg + " is not a JSON object.");
        return c;
    }

    /** A special token named in tokenizer_config.json: a string or {"content": ...}; null when absent or null. */
    private static String specialText(JsonNode config, String key) {
        if (config == null) return null;
        JsonNode v = config.path(key);
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.path("content").asText();
        return null;
    }

    private static int indexOf(String[] texts, String s) {
        for (int i = 0; i < texts.length; i++) if (s.equals(texts[i])) return i;
        return -1;
    }

    private static int firstOf(String[] texts, String... candidates) {
        for (String c : candidates) {
            int i = indexOf(texts, c);
            if (i >= 0) return i;
        }
        return -1;
    }

    private int[][] merges(JsonNode node, Vocabulary v) {
        if (node.isMissingNode() || node.isNull()) return new int[0][];
        if (!node.isArray()) throw bad("has BPE merges that are not a list");
        List<int[]> out = new ArrayList<>(node.size());
        for (JsonNode m : node) {
            String a, b;
            if (m.isTextual()) {
                String line = m.asText();
                int sp = line.indexOf(' ', 1);
                if (sp < 0) throw bad("has a merge without a space: '" + line + "'");
                if (line.indexOf(' ', sp + 1) >= 0) {
                    // Tokens that contain spaces make "a b" ambiguous (TinyLlama's copy has such merges):
                    // take the first split whose parts and result are tokens, else drop the line.
                    int[] resolved = resolveAmbiguous(line, v);
                    if (resolved != null) out.add(resolved);
                    continue;
                }
                a = line.substring(0, sp);
                b = line.substring(sp + 1);
            } else if (m.isArray() && m.size() == 2) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                throw bad("has a merge that is neither \"a b\" nor [a, b]");
            }
            int ia = v.id(a), ib = v.id(b), im = v.id(a + b);
            if (ia < 0 || ib < 0 || im < 0) throw bad("has the merge '" + a + " " + b + "' whose parts or result are not in the vocabulary");
            out.add(new int[] {ia, ib, im});
        }
        return lastOfEachPair(out);
    }

    /**
     * A pair listed twice takes the rank of its last listing, as the HF library does (it fills a map
     * in file order); keeping only the last listing keeps every other merge's relative order.
     */
    private static int[][] lastOfEachPair(List<int[]> merges) {
        LongIntMap last = new LongIntMap(merges.size());
        for (int r = 0; r < merges.size(); r++) last.put(pairKey(merges.get(r)), r);
        List<int[]> out = new ArrayList<>(merges.size());
        for (int r = 0; r < merges.size(); r++) if (last.get(pairKey(merges.get(r)), -1) == r) out.add(merges.get(r));
        return out.toArray(new int[0][]);
    }

    private static long pairKey(int[] m) { return ((long) m[0] << 32) | (m[1] & 0xFFFFFFFFL); }

    private static int[] resolveAmbiguous(String line, Vocabulary v) {
        for (int sp = line.indexOf(' ', 1); sp >= 0; sp = line.indexOf(' ', sp + 1)) {
            String a = line.substring(0, sp), b = line.substring(sp + 1);
            int ia = v.id(a), ib = v.id(b), im = v.id(a + b);
            if (ia >= 0 && ib >= 0 && im >= 0) return new int[] {ia, ib, im};
        }
        return null;
    }

    // ---------------------------------------------------------------- normalizers

    private Normalizer normalizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return Normalizer.IDENTITY;
        String type = n.path("type").asText("");
        return switch (type) {
            case "NFC" -> Normalizer.unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> Normalizer.unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> Normalizer.unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> Normalizer.unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> Normalizer.lowercase();
            case "Prepend" -> Normalizer.prepend(n.path("prepend").asText());
            case "Replace" -> {
                JsonNode p = n.path("pattern");
                String content = n.path("content").asText();
                if (p.has("String")) yield Normalizer.replace(p.get("String").asText(), content);
                if (p.has("Regex")) yield Normalizer.replaceRegex(java.util.regex.Pattern.compile(PreTokenizerRegexes.toJava(p.get("Regex").asText())), content);
                throw bad("has a Replace normalizer without a pattern");
            }
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode s : n.path("normalizers")) steps.add(normalizer(s));
                yield Normalizer.sequence(steps);
            }
            default -> throw bad("uses the normalizer '" + type + "', which Pith does not support");
        };
    }

    private static boolean hasPrependNormalizer(JsonNode n) {
        if ("Prepend".equals(n.path("type").asText())) return true;
        for (JsonNode s : n.path("normalizers")) if (hasPrependNormalizer(s)) return true;
        return false;
    }

    private static boolean hasType(JsonNode n, String type) {
        if (type.equals(n.path("type").asText())) return true;
        for (JsonNode s : n.path("decoders")) if (hasType(s, type)) return true;
        return false;
    }

    // ---------------------------------------------------------------- pre-tokenizers

    /** What the pre-tokenizer pipeline implies beyond splitting. */
    private static final class PipelineInfo {
        boolean byteLevel;
        boolean metaspacePrepends;
        String ggufPre;  // set when the pipeline is exactly one llama.cpp knows
    }

    private PreTokenizer preTokenizer(JsonNode n, PipelineInfo info) {
        if (n.isMissingNode() || n.isNull()) return PreTokenizer.NONE;
        String type = n.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = n.path("pretokenizers");
                for (JsonNode s : list) steps.add(preTokenizer(s, info));
                // Split(known regex, Isolated) + ByteLevel(no regex, no prefix space) is what llama.cpp models by name.
                info.ggufPre = null;
                if (list.size() == 2 && "Split".equals(list.get(0).path("type").asText()) && "ByteLevel".equals(list.get(1).path("type").asText())
                        && "Isolated".equals(list.get(0).path("behavior").asText()) && !list.get(0).path("invert").asBoolean(false)
                        && !list.get(1).path("use_regex").asBoolean(true) && !list.get(1).path("add_prefix_space").asBoolean(false)
                        && list.get(0).path("pattern").has("Regex")) {
                    info.ggufPre = PreTokenizerRegexes.ggufPreFor(list.get(0).path("pattern").get("Regex").asText());
                }
                if (info.ggufPre == null) info.ggufPre = ggufPreOfSplits(list);
                return PreTokenizer.sequence(steps);
            }
            case "ByteLevel" -> {
                info.byteLevel = true;
                boolean prefix = n.path("add_prefix_space").asBoolean(false);
                boolean useRegex = n.path("use_regex").asBoolean(true);
                info.ggufPre = useRegex && !prefix ? "gpt-2" : null;
                return PreTokenizer.byteLevel(prefix, useRegex);
            }
            case "Split" -> {
                JsonNode p = n.path("pattern");
                String regex;
                if (p.has("Regex")) regex = p.get("Regex").asText();
                else if (p.has("String")) regex = java.util.regex.Pattern.quote(p.get("String").asText());
                else throw bad("has a Split pre-tokenizer without a pattern");
                RegexSplit.Behavior behavior = behavior(n.path("behavior").asText("Isolated"));
                try {
                    return new RegexSplit(regex, behavior, n.path("invert").asBoolean(false));
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw bad("has a Split regex Pith cannot compile (" + e.getDescription() + ")");
                }
            }
            case "Metaspace" -> {
                String repl = n.path("replacement").asText("\u2581");
                if (repl.length() != 1) throw bad("has a Metaspace replacement that is not one character");
                String scheme = n.has("prepend_scheme") ? n.get("prepend_scheme").asText("always")
                        : (n.path("add_prefix_space").asBoolean(true) ? "always" : "never");
                info.metaspacePrepends = !scheme.equals("never");
                return PreTokenizer.metaspace(repl.charAt(0), scheme, n.path("split").asBoolean(true));
            }
            case "Digits" -> {
                boolean individual = n.path("individual_digits").asBoolean(false);
                return new RegexSplit(individual ? "\\p{N}" : "\\p{N}+", RegexSplit.Behavior.ISOLATED, false);
            }
            case "Punctuation" -> {
                return new RegexSplit("[\\p{P}!-/:-@\\[-`{-~]", behavior(n.path("behavior").asText("Isolated")), false);
            }
            default -> throw bad("uses the pre-tokenizer '" + type + "', which Pith does not support");
        }
    }

    /** Splits(Isolated regex)... + ByteLevel(no regex, no prefix), as Pith writes llama.cpp's regex lists: the name of that list, or null. */
    private static String ggufPreOfSplits(JsonNode list) {
        if (list.size() < 2) return null;
        JsonNode last = list.get(list.size() - 1);
        if (!"ByteLevel".equals(last.path("type").asText()) || last.path("use_regex").asBoolean(true)
                || last.path("add_prefix_space").asBoolean(false)) return null;
        List<String> regexes = new ArrayList<>();
        for (int i = 0; i < list.size() - 1; i++) {
            JsonNode s = list.get(i);
            if (!"Split".equals(s.path("type").asText()) || !"Isolated".equals(s.path("behavior").asText())
                    || s.path("invert").asBoolean(false) || !s.path("pattern").has("Regex")) return null;
            regexes.add(s.path("pattern").get("Regex").asText());
        }
        return PreTokenizerRegexes.ggufPreForList(regexes);
    }

    private RegexSplit.Behavior behavior(String s) {
        return switch (s) {
            case "Isolated" -> RegexSplit.Behavior.ISOLATED;
            case "Removed" -> RegexSplit.Behavior.REMOVED;
            case "MergedWithPrevious" -> RegexSplit.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> RegexSplit.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> RegexSplit.Behavior.CONTIGUOUS;
            default -> throw bad("has the unknown split behavior '" + s + "'");
        };
    }

    // ---------------------------------------------------------------- post-processor

    /** {prefix special id, suffix special id} of a single-sequence TemplateProcessing, -1 where none. */
    private int[] templateIds(JsonNode pp, String[] texts) {
        int[] out = {-1, -1};
        if (pp.isMissingNode() || pp.isNull()) return out;
        JsonNode single = null;
        if ("TemplateProcessing".equals(pp.path("type").asText())) single = pp.path("single");
        else if ("Sequence".equals(pp.path("type").asText()))
            for (JsonNode p : pp.path("processors"))
                if ("TemplateProcessing".equals(p.path("type").asText())) single = p.path("single");
        if (single == null || !single.isArray()) return out;
        boolean seenSequence = false;
        for (JsonNode item : single) {
            if (item.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            if (!item.has("SpecialToken")) continue;
            String name = item.get("SpecialToken").path("id").asText();
            JsonNode ids = pp.path("special_tokens").path(name).path("ids");
            int id = ids.isArray() && ids.size() == 1 ? ids.get(0).asInt() : indexOf(texts, name);
            if (id < 0 || id >= texts.length) throw bad("has a post-processor token '" + name + "' that is not in the vocabulary");
            if (seenSequence) out[1] = id;
            else out[0] = id;
        }
        return out;
    }
}
