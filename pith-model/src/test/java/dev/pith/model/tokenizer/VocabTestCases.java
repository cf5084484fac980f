package dev.pith.model.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** llama.cpp's tokenizer test vectors: NAME.inp strings and NAME.out ids (HF, add_special_tokens=False). */
record VocabTestCases(List<String> texts, List<int[]> ids) {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    static Path shared() {
        String p = System.getProperty("pith.shared");
        if (p == null) throw new IllegalStateException("system property pith.shared is not set (run through Maven)");
        return Path.of(p);
    }

    static Path vocabDir() { return shared().resolve("data/tokenizers/llama.cpp-vocab"); }

    static VocabTestCases load(String name) throws IOException {
        Path dir = vocabDir();
        String inp = Files.readString(dir.resolve("ggml-vocab-" + name + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        if (!texts.isEmpty() && texts.getLast().isEmpty()) texts.removeLast();
        List<String> lines = Files.readAllLines(dir.resolve("ggml-vocab-" + name + ".gguf.out"), StandardCharsets.UTF_8);
        List<int[]> ids = new ArrayList<>();
        for (String line : lines) {
            String t = line.trim();
            ids.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        if (ids.size() != texts.size())
            throw new IllegalStateException(name + ": " + texts.size() + " test strings but " + ids.size() + " expected lines");
        return new VocabTestCases(texts, ids);
    }

    /** Describes every mismatch; empty when all match. */
    List<String> mismatches(Tokenizer t) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] got = t.encode(texts.get(i), false, false);
            if (!Arrays.equals(got, ids.get(i)))
                bad.add("#" + i + " " + escape(texts.get(i)) + "\n   expected " + Arrays.toString(ids.get(i)) + "\n   got      " + Arrays.toString(got));
        }
        return bad;
    }

    /** The string in quotes with newlines and tabs escaped and other invisible characters as \\uXXXX. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (c == '\t') sb.append("\\t");
            else if (Character.isISOControl(c) || Character.isSurrogate(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSpaceChar(c) && c != ' ') sb.append(String.format("\\u%04X", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }
}
