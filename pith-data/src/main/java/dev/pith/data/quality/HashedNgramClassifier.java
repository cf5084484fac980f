package dev.pith.data.quality;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.data.dedup.Hash64;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A fast linear quality classifier in the spirit of phi-1's and FineWeb-Edu's filters (which put a
 * linear head on features of each document): word unigrams and bigrams hashed into 2^bits
 * buckets (the hashing trick, so no vocabulary is stored), log-scaled counts, L2-normalised, and
 * logistic regression trained by SGD. score(text) is the probability that text is "good".
 */
public final class HashedNgramClassifier {
    private static final int MAGIC = 0x50434C46; // "PCLF"
    private final int bits;
    private final float[] w;
    private float bias;

    public HashedNgramClassifier(int bits) {
        if (bits < 8 || bits > 26) throw new PithException("classifier feature bits must lie in 8..26, not " + bits + ".");
        this.bits = bits;
        this.w = new float[1 << bits];
    }

    /** Sparse features: bucket indices and values (bucket collisions add up). */
    record Features(int[] idx, float[] val) {}

    Features features(String text) {
        String[] words = text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+");
        java.util.HashMap<Integer, Float> m = new java.util.HashMap<>();
        long prev = 0;
        boolean havePrev = false;
        int mask = (1 << bits) - 1;
        for (String t : words) {
            if (t.isEmpty()) continue;
            long h = Hash64.of(t);
            m.merge((int) (h & mask), 1f, Float::sum);
            if (havePrev) m.merge((int) (Hash64.mix(prev * 31 + h) & mask), 1f, Float::sum);
            prev = h;
            havePrev = true;
        }
        int[] idx = new int[m.size()];
        float[] val = new float[m.size()];
        double norm = 0;
        int k = 0;
        for (var e : m.entrySet()) {
            idx[k] = e.getKey();
            val[k] = (float) Math.log1p(e.getValue());
            norm += val[k] * val[k];
            k++;
        }
        float inv = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < val.length; i++) val[i] *= inv;
        return new Features(idx, val);
    }

    public double score(String text) {
        Features f = features(text);
        double z = bias;
        for (int i = 0; i < f.idx.length; i++) z += w[f.idx[i]] * f.val[i];
        return 1 / (1 + Math.exp(-z));
    }

    /** Trains on labelled texts (true = good) for {@code epochs} passes in a seeded shuffled order. */
    public void train(List<String> texts, List<Boolean> labels, int epochs, double lr, double l2, long seed) {
        List<Features> fs = new ArrayList<>();
        for (String t : texts) fs.add(features(t));
        int[] order = new int[fs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Random rnd = new Random(seed);
        for (int e = 0; e < epochs; e++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double rate = lr / (1 + e);
            for (int i : order) {
                Features f = fs.get(i);
                double z = bias;
                for (int k = 0; k < f.idx.length; k++) z += w[f.idx[k]] * f.val[k];
                double g = 1 / (1 + Math.exp(-z)) - (labels.get(i) ? 1 : 0);
                for (int k = 0; k < f.idx.length; k++) w[f.idx[k]] -= (float) (rate * (g * f.val[k] + l2 * w[f.idx[k]]));
                bias -= (float) (rate * g);
            }
        }
    }

    /**
     * "Random text" negatives: documents of words drawn independently from the good documents'
     * own word distribution, so the classifier must learn word order and coherence, not vocabulary.
     */
    public static List<String> randomTexts(List<String> good, int count, long seed) {
        List<String> pool = new ArrayList<>();
        for (String g : good) for (String t : g.split("\\s+")) if (!t.isEmpty()) pool.add(t);
        if (pool.isEmpty()) throw new PithException("the good examples hold no words to draw random text from.");
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = Math.max(5, good.get(rnd.nextInt(good.size())).split("\\s+").length);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < len; k++) sb.append(k == 0 ? "" : " ").append(pool.get(rnd.nextInt(pool.size())));
            out.add(sb.toString());
        }
        return out;
    }

    public void save(Path file) {
        AtomicFile.write(file, os -> {
            DataOutputStream d = new DataOutputStream(os);
            d.writeInt(MAGIC);
            d.writeInt(bits);
            d.writeFloat(bias);
            for (float x : w) d.writeFloat(x);
            d.flush();
        });
    }

    public static HashedNgramClassifier load(Path file) {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            DataInputStream d = new DataInputStream(in);
            if (d.readInt() != MAGIC) throw new PithException(file + " is not a pith quality classifier (wrong magic number).");
            int bits = d.readInt();
            if (bits < 8 || bits > 26) throw new PithException(file + " is not a pith quality classifier (feature bits " + bits + ").");
            HashedNgramClassifier c = new HashedNgramClassifier(bits);
            c.bias = d.readFloat();
            for (int i = 0; i < c.w.length; i++) c.w[i] = d.readFloat();
            return c;
        } catch (IOException e) {
            throw new PithException(file + ": the classifier cannot be read (" + e.getMessage() + ").", e);
        }
    }
}
