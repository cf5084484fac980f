package dev.pith.cli;

import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import dev.pith.train.data.DataPacker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "data", description = "Prepare training data.", subcommands = {DataCommand.Pack.class, DataCurateCommand.class, DataScoreCommand.class})
final class DataCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "pack", description = "Tokenize text files into token shards (train.bin, val.bin, manifest.json) that pith train reads memory-mapped.")
    static final class Pack implements Runnable {
        @Spec CommandSpec spec;

        @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "tokenizer.json to encode with.")
        Path tokenizer;

        @Option(names = "--in", required = true, split = ",", arity = "1..*", paramLabel = "FILE", description = "Text files (documents are separated by the end-of-text token when the tokenizer has one).")
        List<Path> in;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the shards to.")
        Path out;

        @Option(names = "--val-fraction", defaultValue = "0.1", paramLabel = "F", description = "Share of the tokens (taken from the end) kept for validation (default ${DEFAULT-VALUE}).")
        double valFraction;

        @Mixin OutputOptions output;

        @Override
        public void run() {
            Tokenizer tok = Tokenizers.fromHfJson(tokenizer);
            DataPacker.Summary s = DataPacker.pack(tok, tokenizer.toAbsolutePath().toString(), in, out, valFraction);
            if (output.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("out", out.toString());
                o.put("train_tokens", s.trainTokens());
                o.put("val_tokens", s.valTokens());
                o.put("dtype", s.dtype());
                Json.print(spec.commandLine().getOut(), o);
            } else {
                spec.commandLine().getOut().printf("%s: %,d training and %,d validation tokens (%s)%n", out, s.trainTokens(), s.valTokens(), s.dtype());
            }
        }
    }
}
