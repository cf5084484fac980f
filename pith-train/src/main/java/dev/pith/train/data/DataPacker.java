package dev.pith.train.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code pith data pack}: tokenizes text files into flat token arrays, little-endian uint16 when
 * the vocabulary fits (else uint32), and splits them into train and validation as nanoGPT does:
 * the files are concatenated (EOS between documents when the tokenizer has one) and the last
 * {@code valFraction} of the tokens is validation. Writes train.bin, val.bin and manifest.json,
 * each atomically (the manifest last, so a folder with a manifest is complete).
 */
public final class DataPacker {
    private DataPacker() {}

    public record Summary(long trainTokens, long valTokens, String dtype) {}

    public static Summary pack(Tokenizer tok, String tokenizerName, List<Path> files, Path outDir, double valFraction) {
        if (files.isEmpty()) throw new PithException("no input files were given (--in).");
        if (!(valFraction > 0 && valFraction < 1)) throw new PithException("--val-fraction must lie strictly between 0 and 1, got " + valFraction + ".");
        IntList all = new IntList();
        for (int i = 0; i < files.size(); i++) {
            String text = TokenizerTraining.read(files.get(i));
            if (i > 0 && tok.eos() >= 0) all.add(tok.eos());
            for (int id : tok.encode(text)) all.add(id);
        }
        long n = all.size();
        long train = (long) (n * (1 - valFraction)); // as nanoGPT: data[:int(n*0.9)]
        long val = n - train;
        if (train < 2 || val < 2)
            throw new PithException("the input files " + files + " give only " + n + " tokens, too few to split into training and validation data.");
        boolean wide = tok.vocabSize() > 65536;
        String dtype = wide ? "uint32" : "uint16";
        write(outDir.resolve("train.bin"), all, 0, (int) train, wide);
        write(outDir.resolve("val.bin"), all, (int) train, (int) n, wide);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode m = json.createObjectNode();
        m.put("format", "pith-tokens-1");
        m.put("tokenizer", tokenizerName);
        m.put("vocab_size", tok.vocabSize());
        m.put("dtype", dtype);
        m.put("train_tokens", train);
        m.put("val_tokens", val);
        m.put("val_fraction", valFraction);
        m.putObject("shards").putArray("train").add("train.bin");
        ((ObjectNode) m.get("shards")).putArray("val").add("val.bin");
        var sources = m.putArray("sources");
        for (Path f : files) sources.add(f.toString());
        AtomicFile.write(outDir.resolve(TokenShards.Manifest.FILE), os -> os.write(json.writeValueAsBytes(m)));
        return new Summary(train, val, dtype);
    }

    private static void write(Path p, IntList t, int from, int to, boolean wide) {
        AtomicFile.write(p, os -> writeTokens(os, t, from, to, wide));
    }

    private static void writeTokens(OutputStream os, IntList t, int from, int to, boolean wide) throws IOException {
        byte[] buf = new byte[1 << 16];
        int k = 0;
        for (int i = from; i < to; i++) {
            int v = t.get(i);
            buf[k++] = (byte) v;
            buf[k++] = (byte) (v >>> 8);
            if (wide) {
                buf[k++] = (byte) (v >>> 16);
                buf[k++] = (byte) (v >>> 24);
            }
            if (k > buf.length - 4) {
                os.write(buf, 0, k);
                k = 0;
            }
        }
        os.write(buf, 0, k);
    }

    /** A growable int array (token streams can be hundreds of millions long). */
    static final class IntList {
        private int[] a = new int[1 << 16];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, Math.multiplyExact(a.length, 2));
            a[n++] = v;
        }

        int get(int i) { return a[i]; }
        int size() { return n; }
    }
}
