package dev.pith.cli;

import dev.pith.train.data.TokenizerTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "tokenizer", description = "Make tokenizers.", subcommands = TokenizerCommand.Train.class)
final class TokenizerCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "train", description = "Learn a byte-level BPE vocabulary (or a character vocabulary) from text files and write tokenizer.json.")
    static final class Train implements Runnable {
        @Spec CommandSpec spec;

        @Option(names = "--in", required = true, split = ",", arity = "1..*", paramLabel = "FILE", description = "Text files to learn from.")
        List<Path> in;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The tokenizer.json to write.")
        Path out;

        @Option(names = "--vocab-size", defaultValue = "4096", paramLabel = "N", description = "Tokens in the vocabulary, specials included (default ${DEFAULT-VALUE}).")
        int vocabSize;

        @Option(names = "--char", description = "Character-level: one token per distinct character (--vocab-size is ignored).")
        boolean charLevel;

        @Mixin OutputOptions output;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            TokenizerTraining.Summary s = TokenizerTraining.train(in, vocabSize, charLevel, out);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (output.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("out", out.toString());
                o.put("vocab_size", s.vocabSize());
                o.put("merges", s.merges());
                o.put("characters", s.characters());
                o.put("seconds", secs);
                Json.print(spec.commandLine().getOut(), o);
            } else {
                spec.commandLine().getOut().printf("%s: %d tokens (%d merges) from %,d characters in %.1f s%n", out, s.vocabSize(), s.merges(), s.characters(), secs);
            }
        }
    }
}
