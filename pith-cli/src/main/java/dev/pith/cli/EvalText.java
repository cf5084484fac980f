package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Perplexity;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.runtime.Transformer;
import dev.pith.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Perplexity of a text file by llama.cpp's llama-perplexity method, shared by {@code pith perplexity}
 * and the before/after figures of {@code pith prune --eval}: read, tokenize, score.
 */
final class EvalText {
    private EvalText() {}

    /** The file as UTF-8 text, one trailing newline dropped (as llama.cpp's -f, so token counts agree). */
    static String read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PithException(file + " is not valid UTF-8 text.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    static int[] tokens(String text, Tokenizer tok) {
        return tok.encode(text, tok.addBosByDefault(), false);
    }

    static int[] tokens(Path file, Tokenizer tok) {
        return tokens(read(file), tok);
    }

    /** Scores chunks of {@code ctx} tokens (at most {@code chunks}, 0 = all); {@code onChunk} sees the count done. */
    static Perplexity.Result score(Model m, int[] tokens, RuntimeOptions options, int ctx, int chunks, IntConsumer onChunk) {
        return score(m, tokens, options, ctx, chunks, onChunk, null);
    }

    /** As above; {@code chunkLogits} (if not null) sees each chunk's scored logits, as {@link Perplexity#compute} gives them. */
    static Perplexity.Result score(Model m, int[] tokens, RuntimeOptions options, int ctx, int chunks, IntConsumer onChunk,
                                   Consumer<float[]> chunkLogits) {
        Transformer t = new Transformer(m, options.withContextLength(ctx));
        int bos = m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1;
        return Perplexity.compute(t, tokens, ctx, bos, chunks, onChunk, chunkLogits);
    }

    /** The perplexity figure alone, for a report (prune's before and after). */
    static double perplexity(Model m, int[] tokens, RuntimeOptions options, int ctx, int chunks) {
        if (tokens.length < 2 * ctx) throw new PithException("the evaluation text holds " + tokens.length + " tokens, fewer than one chunk of " + ctx + " needs.");
        return score(m, tokens, options, ctx, chunks, done -> {}).ppl();
    }
}
