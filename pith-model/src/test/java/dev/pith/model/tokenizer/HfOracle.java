package dev.pith.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The Hugging Face {@code tokenizers} library (Rust, through DJL's JNI binding, native library
 * bundled in the jar) as a test oracle. Truncation and padding are off, so whole texts are compared.
 */
final class HfOracle implements AutoCloseable {
    private final HuggingFaceTokenizer hf;

    HfOracle(Path tokenizerJson) throws IOException {
        this.hf = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("truncation", "false", "padding", "false", "maxLength", "100000000", "addSpecialTokens", "false"));
    }

    /** Ids as the HF library gives them; added special tokens in the text are always matched. */
    int[] encode(String text, boolean addSpecialTokens) {
        Encoding e = hf.encode(text, addSpecialTokens, false);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    String decode(int[] ids, boolean skipSpecial) {
        return hf.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecial);
    }

    @Override
    public void close() { hf.close(); }

    /**
     * The file itself, or, when some of its "a b" merge lines are ambiguous because tokens contain
     * plain spaces (the shared TinyLlama copy: the HF library refuses to load it, "Merges text file
     * invalid"), a copy in {@code tmp} with every merge written as a pair [a, b], each ambiguous line
     * split at the one space where both parts and their concatenation are tokens. Nothing else changes.
     */
    static Path loadable(Path tokenizerJson, Path tmp) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(tokenizerJson.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode model = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("model");
        com.fasterxml.jackson.databind.JsonNode vocab = model.get("vocab");
        boolean ambiguous = false;
        for (com.fasterxml.jackson.databind.JsonNode m : model.get("merges"))
            ambiguous |= m.isTextual() && m.asText().indexOf(' ', m.asText().indexOf(' ', 1) + 1) >= 0;
        if (!ambiguous) return tokenizerJson;
        com.fasterxml.jackson.databind.node.ArrayNode pairs = om.createArrayNode();
        for (com.fasterxml.jackson.databind.JsonNode m : model.get("merges")) {
            String line = m.asText();
            for (int sp = line.indexOf(' ', 1); sp >= 0; sp = line.indexOf(' ', sp + 1)) {
                String a = line.substring(0, sp), b = line.substring(sp + 1);
                if (vocab.has(a) && vocab.has(b) && vocab.has(a + b)) {
                    pairs.addArray().add(a).add(b);
                    break;
                }
            }
        }
        model.set("merges", pairs);
        Path out = tmp.resolve("tokenizer.json");
        om.writeValue(out.toFile(), root);
        return out;
    }

    /** Null when equal, else a short description of the first difference. */
    static String firstDifference(int[] expected, int[] got) {
        if (Arrays.equals(expected, got)) return null;
        int i = 0;
        while (i < Math.min(expected.length, got.length) && expected[i] == got[i]) i++;
        int from = Math.max(0, i - 3);
        return "first difference at token " + i + " of " + expected.length + "/" + got.length + ": expected ..."
                + Arrays.toString(Arrays.copyOfRange(expected, from, Math.min(expected.length, i + 5))) + " got ..."
                + Arrays.toString(Arrays.copyOfRange(got, from, Math.min(got.length, i + 5)));
    }

    static String shorten(String s) {
        String e = VocabTestCases.escape(s);
        return e.length() > 200 ? e.substring(0, 200) + "...\" (" + s.length() + " chars)" : e;
    }
}
