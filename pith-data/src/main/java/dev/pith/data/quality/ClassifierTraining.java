package dev.pith.data.quality;

import dev.pith.core.PithException;
import dev.pith.data.Doc;
import dev.pith.data.Normalizer;
import dev.pith.data.Removal;
import dev.pith.data.read.DocSink;
import dev.pith.data.read.Inputs;
import dev.pith.data.read.ReadOptions;
import dev.pith.data.read.Shard;
import dev.pith.data.read.ShardReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code pith data score --train}: reads "good" documents (and "bad" ones, or else random text made
 * from the good ones' words), holds out every tenth pair for an honest accuracy figure, and trains
 * a {@link HashedNgramClassifier}.
 */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    public record Result(HashedNgramClassifier classifier, int good, int bad, double heldOutAccuracy, int heldOut) {}

    public static Result train(List<Path> goodPaths, List<Path> badPaths, ReadOptions read, int bits, int epochs, long seed) {
        List<String> good = texts(goodPaths, read);
        if (good.size() < 10) throw new PithException("the good examples " + goodPaths + " hold " + good.size() + " documents; at least 10 are needed to train a classifier.");
        List<String> bad = badPaths == null || badPaths.isEmpty() ? HashedNgramClassifier.randomTexts(good, good.size(), seed) : texts(badPaths, read);
        if (bad.size() < 10) throw new PithException("the bad examples " + badPaths + " hold " + bad.size() + " documents; at least 10 are needed.");
        List<String> trainX = new ArrayList<>(), testX = new ArrayList<>();
        List<Boolean> trainY = new ArrayList<>(), testY = new ArrayList<>();
        split(good, true, trainX, trainY, testX, testY);
        split(bad, false, trainX, trainY, testX, testY);
        HashedNgramClassifier c = new HashedNgramClassifier(bits);
        c.train(trainX, trainY, epochs, 0.5, 1e-6, seed);
        int right = 0;
        for (int i = 0; i < testX.size(); i++) if ((c.score(testX.get(i)) >= 0.5) == testY.get(i)) right++;
        return new Result(c, good.size(), bad.size(), testX.isEmpty() ? Double.NaN : (double) right / testX.size(), testX.size());
    }

    private static void split(List<String> xs, boolean label, List<String> trainX, List<Boolean> trainY, List<String> testX, List<Boolean> testY) {
        for (int i = 0; i < xs.size(); i++) {
            if (i % 10 == 9) {
                testX.add(xs.get(i));
                testY.add(label);
            } else {
                trainX.add(xs.get(i));
                trainY.add(label);
            }
        }
    }

    /** Every readable document of the inputs, normalised; skipped inputs are simply not examples. */
    public static List<String> texts(List<Path> paths, ReadOptions read) {
        List<String> out = new ArrayList<>();
        forEachDoc(paths, read, d -> out.add(d.text()));
        return out;
    }

    public static void forEachDoc(List<Path> paths, ReadOptions read, Consumer<Doc> each) {
        ShardReader r = new ShardReader(read, new DocSink() {
            @Override public void doc(Doc d) {
                String t = Normalizer.normalize(d.text());
                if (!t.isEmpty()) each.accept(new Doc(d.id(), t));
            }

            @Override public void skip(Removal s) {}
        });
        for (Shard s : Inputs.shards(paths)) r.read(s);
    }
}
