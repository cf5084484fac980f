package dev.pith.train.data;

import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code pith tokenizer train}: learns a byte-level BPE or a character vocabulary from text files and writes tokenizer.json. */
public final class TokenizerTraining {
    /** The end-of-text token byte-level vocabularies get (documents are separated by it when packed). */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private TokenizerTraining() {}

    public record Summary(int vocabSize, int merges, long characters) {}

    public static Summary train(List<Path> files, int vocabSize, boolean charLevel, Path out) {
        if (files.isEmpty()) throw new PithException("no input files were given (--in).");
        BpeTrainer bpe = new BpeTrainer();
        CharVocabulary chars = new CharVocabulary();
        long total = 0;
        for (Path f : files) {
            String text = read(f);
            total += text.length();
            if (charLevel) chars.add(text);
            else bpe.add(text);
        }
        if (total == 0) throw new PithException("the input files " + files + " hold no text to learn a vocabulary from.");
        if (charLevel) {
            List<String> tokens = chars.tokens();
            TokenizerJsonWriter.write(out, tokens, List.of(), List.of(), false);
            return new Summary(tokens.size(), 0, total);
        }
        BpeTrainer.Result r = bpe.train(vocabSize, 1);
        TokenizerJsonWriter.write(out, r.tokens(), r.merges(), List.of(END_OF_TEXT), true);
        return new Summary(r.tokens().size() + 1, r.merges().size(), total);
    }

    static String read(Path f) {
        if (!Files.isRegularFile(f)) throw new PithException(f + ": no such file.");
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f))).toString();
        } catch (IOException e) {
            throw new PithException(f + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }
}
