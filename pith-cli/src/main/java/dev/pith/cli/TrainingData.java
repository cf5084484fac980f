package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.TokenSource;
import dev.pith.train.TrainRun;
import dev.pith.train.Trainer;
import dev.pith.train.data.TokenShards;
import me.tongfei.progressbar.ProgressBar;

import java.nio.file.Path;

/**
 * Training and validation tokens for the training commands: a folder from pith data pack (its
 * train and val shards), or a text file split 90/10 (the last tenth held out). Also runs a
 * {@link TrainRun} under a progress bar.
 */
record TrainingData(TokenSource train, TokenSource val, AutoCloseable[] closers) implements AutoCloseable {

    static TrainingData open(Path dataPath, Tokenizer tok, Path tokFile) {
        if (java.nio.file.Files.isDirectory(dataPath)) {
            TokenShards tr = TokenShards.open(dataPath, "train"), va = TokenShards.open(dataPath, "val");
            if (tr.vocabSize() != tok.vocabSize())
                throw new PithException(dataPath + " was packed with a vocabulary of " + tr.vocabSize() + " tokens, but the tokenizer " + tokFile + " has " + tok.vocabSize() + ".");
            return new TrainingData(tr, va, new AutoCloseable[] {tr, va});
        }
        return split(tok.encode(ConfigValues.readText(dataPath)));
    }

    /** The first 90% for training, the rest for validation. */
    static TrainingData split(int[] ids) {
        int n = (int) (ids.length * 0.9);
        return new TrainingData(TokenSource.of(java.util.Arrays.copyOf(ids, n)), TokenSource.of(java.util.Arrays.copyOfRange(ids, n, ids.length)), new AutoCloseable[0]);
    }

    @Override
    public void close() {
        for (AutoCloseable a : closers) {
            try {
                a.close();
            } catch (Exception ignored) {
                // unmapping cannot fail in a way the user could act on
            }
        }
    }

    /** Runs to the last step with a progress bar on stderr (none with --json). */
    static TrainRun.Result run(TrainRun run, Trainer trainer, String label, boolean json) {
        try (ProgressBar bar = json ? null : Progress.bar(label, trainer.options().steps())) {
            if (bar != null) bar.stepTo(trainer.step());
            double[] val = {Double.NaN};
            return run.run(new TrainRun.Listener() {
                @Override public void step(long s, double loss, double tps) {
                    if (bar == null) return;
                    bar.stepTo(s);
                    bar.setExtraMessage(String.format(" loss %.4f%s %,.0f tok/s", loss, Double.isNaN(val[0]) ? "" : String.format(" val %.4f", val[0]), tps));
                }
                @Override public void eval(long s, double v) { val[0] = v; }
            });
        }
    }
}
