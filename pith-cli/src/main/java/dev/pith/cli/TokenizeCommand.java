package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Map;

@Command(name = "tokenize", description = "Show the token ids of a text.")
final class TokenizeCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-t", "--text"}, required = true, description = "Text to tokenize.")
    String text;

    @Option(names = "--no-bos", description = "Do not add BOS even when the model wants it.")
    boolean noBos;

    @Option(names = "--no-special", description = "Treat special-token strings (<s>, <|im_start|>, ...) as plain text.")
    boolean noSpecial;

    @Override
    public void run() {
        try (Model m = common.load()) {
            if (m.tokenizer() == null) throw new PithException(common.model + " has no tokenizer.");
            int[] ids = m.tokenizer().encode(text, !noBos && m.tokenizer().addBosByDefault(), !noSpecial);
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Json.print(out, Map.of("ids", ids));
            } else {
                for (int id : ids) out.printf("%8d  %s%n", id, m.tokenizer().tokenText(id));
                out.flush();
            }
        }
    }
}
