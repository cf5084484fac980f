package dev.pith.cli;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.data.quality.ClassifierTraining;
import dev.pith.data.quality.HashedNgramClassifier;
import dev.pith.data.read.ReadOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pith data score}: train the hashed n-gram quality classifier, or score documents with one. */
@Command(name = "score", description = {"Train a fast quality classifier (logistic regression on hashed word 1- and 2-grams) on good text versus random text, or score documents with it.",
        "Train: --train --good FILES [--bad FILES] --save clf.bin.  Score: --classifier clf.bin --in FILES [--out scores.jsonl].",
        "Use the classifier in pith data curate with {\"classifier\": {\"model\": \"clf.bin\", \"min_score\": 0.5}}."})
final class DataScoreCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--train", description = "Train a classifier.") boolean train;
    @Option(names = "--good", split = ",", paramLabel = "PATH", description = "Examples of good documents.") List<Path> good;
    @Option(names = "--bad", split = ",", paramLabel = "PATH", description = "Examples of bad documents (default: random text made from the good documents' words).") List<Path> bad;
    @Option(names = "--save", paramLabel = "FILE", description = "Where to write the trained classifier.") Path save;
    @Option(names = "--bits", defaultValue = "18", paramLabel = "N", description = "Hashed feature space of 2^N buckets (default ${DEFAULT-VALUE}).") int bits;
    @Option(names = "--epochs", defaultValue = "4", paramLabel = "N", description = "Training passes (default ${DEFAULT-VALUE}).") int epochs;
    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--classifier", paramLabel = "FILE", description = "A trained classifier to score with.") Path classifier;
    @Option(names = "--in", split = ",", paramLabel = "PATH", description = "Documents to score.") List<Path> in;
    @Option(names = "--out", paramLabel = "FILE", description = "JSONL of {id, score} (default: only the summary).") Path out;
    @Option(names = "--lines", description = "Every line of a text file is a document.") boolean lines;
    @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME", description = "JSONL text field (default ${DEFAULT-VALUE}).") String textField;
    @Mixin OutputOptions output;

    @Override
    public void run() {
        ReadOptions read = new ReadOptions(lines, textField, "id", 1 << 20);
        Map<String, Object> o = new LinkedHashMap<>();
        if (train) {
            if (good == null || save == null) throw new PithException("pith data score --train needs --good and --save.");
            long t0 = System.nanoTime();
            ClassifierTraining.Result r = ClassifierTraining.train(good, bad, read, bits, epochs, seed);
            r.classifier().save(save);
            o.put("classifier", save.toString());
            o.put("good", r.good());
            o.put("bad", r.bad());
            o.put("held_out", r.heldOut());
            o.put("held_out_accuracy", r.heldOutAccuracy());
            o.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (!output.json) spec.commandLine().getOut().printf("%s: trained on %,d good and %,d bad documents; held-out accuracy %.3f on %d%n", save, r.good(), r.bad(), r.heldOutAccuracy(), r.heldOut());
        } else {
            if (classifier == null || in == null) throw new PithException("pith data score needs --classifier and --in (or --train to make a classifier).");
            HashedNgramClassifier c = HashedNgramClassifier.load(classifier);
            double[] sum = {0};
            long[] n = {0, 0};
            Path target = out;
            if (target == null) {
                ClassifierTraining.forEachDoc(in, read, d -> count(c.score(d.text()), sum, n));
            } else {
                AtomicFile.write(target, os -> {
                    Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
                    ClassifierTraining.forEachDoc(in, read, d -> {
                        double s = c.score(d.text());
                        count(s, sum, n);
                        try {
                            w.write(Json.MAPPER.writeValueAsString(Map.of("id", d.id(), "score", s)) + "\n");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    w.flush();
                });
            }
            o.put("documents", n[0]);
            o.put("good", n[1]);
            o.put("mean_score", n[0] == 0 ? 0 : sum[0] / n[0]);
            if (!output.json) spec.commandLine().getOut().printf("%,d documents, %,d scored good (≥ 0.5), mean score %.3f%n", n[0], n[1], n[0] == 0 ? 0 : sum[0] / n[0]);
        }
        if (output.json) Json.print(spec.commandLine().getOut(), o);
    }

    private static void count(double s, double[] sum, long[] n) {
        sum[0] += s;
        n[0]++;
        if (s >= 0.5) n[1]++;
    }
}
