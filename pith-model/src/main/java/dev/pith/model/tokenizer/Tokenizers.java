package dev.pith.model.tokenizer;

import dev.pith.model.gguf.GgufValue;

import java.nio.file.Path;
import java.util.Map;

/** Where tokenizers come from: GGUF metadata, llama2.c tokenizer.bin, Hugging Face tokenizer.json; and back to GGUF. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer described by a GGUF file's {@code tokenizer.ggml.*} keys ("llama" = SentencePiece
     * BPE, "gpt2" = byte-level BPE with the pre-tokenizer named by {@code tokenizer.ggml.pre}).
     * @param source the file the metadata came from, named in error messages
     */
    public static Tokenizer fromGgufMetadata(Map<String, GgufValue> md, Path source) {
        return GgufTokenizerMetadata.read(md, source);
    }

    /** A llama2.c {@code tokenizer.bin} (e.g. tok512.bin): SentencePiece BPE with BOS added by default. */
    public static Tokenizer fromLlama2c(Path tokenizerBin) {
        return Llama2cTokenizerFile.load(tokenizerBin, -1);
    }

    /** As {@link #fromLlama2c(Path)}, checking the token count against the checkpoint's vocab_size. */
    public static Tokenizer fromLlama2c(Path tokenizerBin, int vocabSize) {
        return Llama2cTokenizerFile.load(tokenizerBin, vocabSize);
    }

    /**
     * A text file for tokenizing, read as strict UTF-8: invalid bytes give a PithException naming the
     * file and the byte offset (never silent replacement, which would change the tokens).
     */
    public static String readText(Path file) {
        return Utf8Text.read(file);
    }

    /** A Hugging Face {@code tokenizer.json}, with {@code tokenizer_config.json} beside it read when present. */
    public static Tokenizer fromHfJson(Path tokenizerJson) {
        return HfTokenizerJson.load(tokenizerJson);
    }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created when
     * missing) so that Hugging Face tokenizers / transformers, and {@link #fromHfJson}, tokenize as
     * {@code t} does. SentencePiece-style vocabularies become BPE with byte fallback (merges ordered by
     * score, as HF's Llama conversion does), byte-level ones BPE with ByteLevel and their split regexes;
     * tokenizers read from tokenizer.json keep their own pipeline. The config names bos/eos/unk/pad,
     * add_bos_token / add_eos_token and the chat template when the tokenizer has one.
     */
    public static void toHfJson(Tokenizer t, Path dir) {
        HfTokenizerJsonWriter.write(t, dir);
    }

    /**
     * The {@code tokenizer.ggml.*} keys llama.cpp needs to load this tokenizer from a GGUF file Pith
     * writes. SentencePiece-style tokenizers become model "llama" (tokenizer.json merges are turned
     * into scores), byte-level ones model "gpt2" with their pre-tokenizer name.
     * @throws dev.pith.core.PithException when llama.cpp could not represent the tokenizer
     */
    public static Map<String, GgufValue> toGgufMetadata(Tokenizer t) {
        return GgufTokenizerMetadata.write(t);
    }
}
