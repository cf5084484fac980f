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

/** Perplexity of an in-memory model on a text file, by the same method as {@code pith perplexity}. */
final class EvalText {
    private EvalText() {}

    static int[] tokens(Path file, Tokenizer tok) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PithException(file + " is not valid UTF-8 text.");
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
        }
        // as pith perplexity (and llama.cpp's -f): one trailing newline is dropped
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        return tok.encode(text, tok.addBosByDefault(), false);
    }

    static double perplexity(Model m, int[] tokens, int ctx, int chunks) {
        if (tokens.length < 2 * ctx) throw new PithException("the evaluation text holds " + tokens.length + " tokens, fewer than one chunk of " + ctx + " needs.");
        Transformer t = new Transformer(m, RuntimeOptions.defaults().withContextLength(ctx));
        int bos = m.tokenizer().addBosByDefault() ? m.tokenizer().bos() : -1;
        return Perplexity.compute(t, tokens, ctx, bos, chunks, done -> {}).ppl();
    }
}
