package dev.pith.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.data.TokenShards;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pack stage: kept documents tokenized into the training data format that {@code pith data
 * pack} writes and {@link TokenShards} reads (train.bin, val.bin, manifest.json; uint16 ids when
 * the vocabulary fits, EOS between documents, the last valFraction of tokens for validation).
 * Tokens stream to a temporary file first, so memory does not grow with the corpus.
 */
public final class TokenPacker implements AutoCloseable {
    public record Summary(long trainTokens, long valTokens, String dtype) {}

    private final Tokenizer tok;
    private final String tokenizerName;
    private final Path dir, tmp;
    private final OutputStream out;
    private final boolean wide;
    private long tokens, docs;

    public TokenPacker(Tokenizer tok, String tokenizerName, Path dir) {
        this.tok = tok;
        this.tokenizerName = tokenizerName;
        this.dir = dir;
        this.wide = tok.vocabSize() > 65536;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, ".tokens.", ".tmp");
            out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
        } catch (IOException e) {
            throw new PithException(dir + ": the pack folder cannot be written (" + e.getMessage() + ").", e);
        }
    }

    public void add(String text) throws IOException {
        if (docs++ > 0 && tok.eos() >= 0) put(tok.eos());
        for (int id : tok.encode(text)) put(id);
    }

    private void put(int v) throws IOException {
        out.write(v);
        out.write(v >>> 8);
        if (wide) {
            out.write(v >>> 16);
            out.write(v >>> 24);
        }
        tokens++;
    }

    public Summary finish(double valFraction) {
        try {
            out.close();
            long train = (long) (tokens * (1 - valFraction));
            long val = tokens - train;
            if (train < 2 || val < 2) throw new PithException("the kept documents give only " + tokens + " tokens, too few to pack into training and validation data.");
            int width = wide ? 4 : 2;
            copy(dir.resolve("train.bin"), 0, train * width);
            copy(dir.resolve("val.bin"), train * width, val * width);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode m = json.createObjectNode();
            m.put("format", "pith-tokens-1");
            m.put("tokenizer", tokenizerName);
            m.put("vocab_size", tok.vocabSize());
            m.put("dtype", wide ? "uint32" : "uint16");
            m.put("train_tokens", train);
            m.put("val_tokens", val);
            m.put("val_fraction", valFraction);
            m.putObject("shards").putArray("train").add("train.bin");
            ((ObjectNode) m.get("shards")).putArray("val").add("val.bin");
            m.putArray("sources").add("pith data curate");
            AtomicFile.write(dir.resolve(TokenShards.Manifest.FILE), os -> os.write(json.writeValueAsBytes(m)));
            return new Summary(train, val, wide ? "uint32" : "uint16");
        } catch (IOException e) {
            throw new PithException(dir + ": the token shards cannot be written (" + e.getMessage() + ").", e);
        } finally {
            close();
        }
    }

    private void copy(Path target, long from, long len) {
        AtomicFile.write(target, os -> {
            try (InputStream in = Files.newInputStream(tmp)) {
                in.skipNBytes(from);
                byte[] buf = new byte[1 << 16];
                long left = len;
                while (left > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (r < 0) throw new IOException("the temporary token file ended early");
                    os.write(buf, 0, r);
                    left -= r;
                }
            }
        });
    }

    @Override
    public void close() {
        try {
            out.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort: a hidden temporary file in the pack folder
        }
    }
}
