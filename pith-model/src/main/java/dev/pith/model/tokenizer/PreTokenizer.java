package dev.pith.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into the words BPE runs on (Hugging Face "pre_tokenizer"; llama.cpp's regex list).
 * Each step maps the current list of pieces to a finer one, so steps compose as a sequence.
 */
@FunctionalInterface
public interface PreTokenizer {
    /**
     * @param pieces the current pieces
     * @param firstFragment true when the first piece starts the whole input (not after an added token)
     */
    List<String> apply(List<String> pieces, boolean firstFragment);

    PreTokenizer NONE = (pieces, first) -> pieces;

    static PreTokenizer sequence(List<PreTokenizer> steps) {
        List<PreTokenizer> copy = List.copyOf(steps);
        return (pieces, first) -> {
            for (PreTokenizer p : copy) pieces = p.apply(pieces, first);
            return pieces;
        };
    }

    /**
     * HF "Metaspace": spaces become {@code replacement}, a replacement is prepended ("always", or
     * "first" = only at the start of the input), and with {@code split} the text is cut before each
     * replacement character.
     */
    static PreTokenizer metaspace(char replacement, String prependScheme, boolean split) {
        return (pieces, first) -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                String s = pieces.get(i).replace(' ', replacement);
                boolean prepend = switch (prependScheme) {
                    case "always" -> true;
                    case "first" -> first && i == 0;
                    default -> false;
                };
                if (prepend && !s.isEmpty() && s.charAt(0) != replacement) s = replacement + s;
                if (!split) {
                    if (!s.isEmpty()) out.add(s);
                    continue;
                }
                int start = 0;
                for (int j = 1; j < s.length(); j++) {
                    if (s.charAt(j) == replacement) {
                        out.add(s.substring(start, j));
                        start = j;
                    }
                }
                if (start < s.length()) out.add(s.substring(start));
            }
            return out;
        };
    }

    /** HF "ByteLevel" splitting part: optional prefix space, optional GPT-2 regex split. The byte mapping itself is done by the BPE model. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        RegexSplit gpt2 = useRegex ? new RegexSplit(PreTokenizerRegexes.GPT2, RegexSplit.Behavior.ISOLATED, false) : null;
        return (pieces, first) -> {
            List<String> in = pieces;
            if (addPrefixSpace) {
                in = new ArrayList<>(pieces.size());
                for (String s : pieces) in.add(!s.isEmpty() && s.charAt(0) != ' ' ? " " + s : s);
            }
            return gpt2 == null ? in : gpt2.apply(in, first);
        };
    }
}
