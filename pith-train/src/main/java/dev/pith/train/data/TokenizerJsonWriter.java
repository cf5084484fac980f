package dev.pith.train.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;

import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hugging Face {@code tokenizer.json} for a trained vocabulary: a BPE model with its vocab
 * and merges, byte-level pre-tokenizer and decoder (GPT-2 regex, which llama.cpp knows as
 * "gpt-2") or none for a character-level vocabulary, and the special tokens as added tokens.
 */
public final class TokenizerJsonWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerJsonWriter() {}

    public static void write(Path out, List<String> tokens, List<String[]> merges, List<String> specials, boolean byteLevel) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < specials.size(); i++) {
            ObjectNode a = added.addObject();
            a.put("id", tokens.size() + i);
            a.put("content", specials.get(i));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        if (byteLevel) {
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "ByteLevel");
            pre.put("add_prefix_space", false);
            pre.put("trim_offsets", true);
            pre.put("use_regex", true);
            root.putNull("post_processor");
            ObjectNode dec = root.putObject("decoder");
            dec.put("type", "ByteLevel");
            dec.put("add_prefix_space", true);
            dec.put("trim_offsets", true);
            dec.put("use_regex", true);
        } else {
            root.putNull("pre_tokenizer");
            root.putNull("post_processor");
            root.putNull("decoder");
        }
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) m.add(pair[0] + " " + pair[1]);
        AtomicFile.write(out, os -> JSON.writeValue(new java.io.FilterOutputStream(os) {
            @Override public void close() { /* AtomicFile closes the stream */ }
        }, root));
    }
}
