package dev.pith.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The split regexes of the byte-level BPE families, keyed by GGUF {@code tokenizer.ggml.pre} as
 * llama.cpp names them (llama-vocab.cpp), written in the Oniguruma syntax Hugging Face tokenizers use,
 * and the translation of that syntax to java.util.regex.
 */
public final class PreTokenizerRegexes {
    private PreTokenizerRegexes() {}

    /** GPT-2 (HF ByteLevel with use_regex). */
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3 (tiktoken cl100k style): numbers in groups of up to three. */
    public static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2 / Qwen3: like Llama 3 but single digits. */
    public static final String QWEN2 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String TEKKEN =
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String BLOOM = " ?[^(\\s|.,!?…。，、।۔،)]+";
    // Cased letters (Lu, Ll, Lt) as DeepSeek lists them, escaped: several are singletons that Unicode
    // normalization would silently replace.
    private static final String DEEPSEEK_LLM_LETTERS =
            "\\s?["
            + "\\x{0041}-\\x{005A}\\x{0061}-\\x{007A}\\x{00B5}\\x{00C0}-\\x{00D6}\\x{00D8}-\\x{00F6}"
            + "\\x{00F8}-\\x{01BA}\\x{01BC}-\\x{01BF}\\x{01C4}-\\x{0293}\\x{0295}-\\x{02AF}"
            + "\\x{0370}-\\x{0373}\\x{0376}-\\x{0377}\\x{037B}-\\x{037D}\\x{037F}\\x{0386}"
            + "\\x{0388}-\\x{038A}\\x{038C}\\x{038E}-\\x{03A1}\\x{03A3}-\\x{03F5}\\x{03F7}-\\x{0481}"
            + "\\x{048A}-\\x{052F}\\x{0531}-\\x{0556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
            + "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}"
            + "\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
            + "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}"
            + "\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
            + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
            + "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
            + "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
            + "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}-\\x{2184}"
            + "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}-\\x{2CF3}"
            + "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
            + "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
            + "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
            + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
            + "\\x{1E900}-\\x{1E943}"
            + "]+";

    /** What a GGUF pre-tokenizer name means: regexes applied in order, and the flags llama.cpp ties to the name. */
    public record Spec(String name, List<String> regexes, boolean ignoreMerges, boolean addBosDefault) {}

    /** The spec for a {@code tokenizer.ggml.pre} value (null or empty = "default"), or null when Pith does not know it. */
    public static Spec forGgufPre(String pre) {
        String p = pre == null || pre.isEmpty() ? "default" : pre;
        return switch (p) {
            case "default" -> new Spec(p, List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"), false, false);
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> new Spec(p, List.of(LLAMA3), true, true);
            case "dbrx", "smaug-bpe", "chatglm-bpe" -> new Spec(p, List.of(LLAMA3), false, false);
            case "deepseek-llm" -> new Spec(p, List.of("[\\r\\n]", DEEPSEEK_LLM_LETTERS,
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+"), false, false);
            case "deepseek-v3" -> new Spec(p, List.of("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+",
                    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                    false, false);
            case "deepseek-coder" -> new Spec(p, List.of("[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"), false, false);
            case "falcon" -> new Spec(p, List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"), false, false);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    new Spec(p, List.of("\\p{N}", GPT2), false, false);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais" -> new Spec(p, List.of(GPT2), false, false);
            case "qwen2", "stablelm2", "megrez" -> new Spec(p, List.of(QWEN2), false, false);
            case "poro-chat", "bloom", "gpt3-finnish" -> new Spec(p, List.of(BLOOM), false, false);
            case "viking" -> new Spec(p, List.of(BLOOM, "\\p{N}"), false, false);
            case "tekken" -> new Spec(p, List.of(TEKKEN), true, true);
            default -> null;
        };
    }

    /** The GGUF pre name whose single regex is {@code regex} (as found in a tokenizer.json), or null. */
    public static String ggufPreFor(String regex) {
        if (regex.equals(LLAMA3)) return "llama-bpe";
        if (regex.equals(QWEN2)) return "qwen2";
        if (regex.equals(GPT2)) return "gpt-2";
        if (regex.equals(TEKKEN)) return "tekken";
        return null;
    }

    // One name per distinct regex list, the first llama.cpp lists for it.
    private static final List<String> CANONICAL = List.of("default", "llama-bpe", "dbrx", "deepseek-llm", "deepseek-v3",
            "deepseek-coder", "falcon", "starcoder", "gpt-2", "qwen2", "bloom", "viking", "tekken");

    /** The GGUF pre name whose regex list is exactly {@code regexes}, or null. */
    public static String ggufPreForList(List<String> regexes) {
        if (regexes.size() == 1) {
            String one = ggufPreFor(regexes.getFirst());
            if (one != null) return one;
        }
        for (String name : CANONICAL) if (forGgufPre(name).regexes().equals(regexes)) return name;
        return null;
    }

    /** A pre-tokenizer that applies the regexes in order, each splitting the pieces of the previous. */
    static PreTokenizer splitter(List<String> regexes) {
        List<PreTokenizer> steps = new ArrayList<>();
        for (String r : regexes) steps.add(new RegexSplit(r, RegexSplit.Behavior.ISOLATED, false));
        return PreTokenizer.sequence(steps);
    }

    // Oniguruma's \s for Unicode text: White_Space controls, NEL, and the Zs/Zl/Zp separators.
    private static final String WS = "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

    /**
     * Rewrites an Oniguruma (Ruby syntax) regex for java.util.regex: Java's \s is ASCII-only, so \s
     * and \S become explicit Unicode whitespace classes, and {@code $} (end of line in Ruby) becomes
     * "before a newline or at the end".
     */
    static String toJava(String regex) {
        StringBuilder sb = new StringBuilder(regex.length() + 64);
        int depth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char d = regex.charAt(++i);
                if (d == 's') sb.append(depth > 0 ? WS : "[" + WS + "]");
                else if (d == 'S') sb.append("[^" + WS + "]");
                else sb.append(c).append(d);
                continue;
            }
            if (c == '[') depth++;
            else if (c == ']' && depth > 0) depth--;
            else if (c == '$' && depth == 0) {
                sb.append("(?=\\n|\\z)");
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
