package dev.pith.model.runtime;

import dev.pith.core.PithException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The base model's log-probabilities for a KL-divergence comparison, in the layout of llama.cpp's
 * {@code llama-perplexity --kl-divergence-base} file as llama.cpp's source writes and reads it, so
 * that base files can move between the two tools (all little-endian; not checked against a
 * llama-perplexity binary: the npm oracle ships the library without that tool):
 * <pre>
 *   "_logits_"                       8 bytes
 *   ctx, vocab, chunks               3 × int32
 *   tokens                           chunks × ctx int32 (the text's tokens; BOS is put at each chunk's start when evaluated)
 *   per chunk, per scored position   (ctx − 1 − ctx/2 rows: the positions perplexity scores)
 *     scale, minLogProb              2 × float32
 *     q[0 .. vocab)                  uint16, padded with one more where vocab is odd
 * </pre>
 * A row keeps log p(i) = scale·q[i] + minLogProb: 16 bits over the 16 nats below the most likely
 * token (lower log-probabilities are clamped to that floor, q = 0), so each is within scale/2 ≈
 * 1.2e-4 nats of the exact value.
 */
public final class BaseLogits {
    private BaseLogits() {}

    static final byte[] MAGIC = "_logits_".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** The span of log-probabilities a row keeps below its most likely token, in nats (llama.cpp's). */
    static final float SPAN = 16f;

    /** uint16 values in one row: two floats' worth of header, then vocab values rounded up to even. */
    static int rowValues(int vocab) {
        return 2 * ((vocab + 1) / 2) + 4;
    }

    /** Scored rows per chunk: positions ctx/2 .. ctx−2, each predicting the next token. */
    static int rowsPerChunk(int ctx) {
        return ctx - 1 - ctx / 2;
    }

    /**
     * Encodes the logits at {@code off} into one row of {@code row} (little-endian, {@link #rowValues}·2
     * bytes from its position) and returns the negative log-likelihood of {@code target}.
     */
    static double encodeRow(float[] logits, int off, int vocab, int target, ByteBuffer row) {
        float max = logits[off], min = logits[off];
        for (int i = 1; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
            min = Math.min(min, logits[off + i]);
        }
        min = Math.max(min, max - SPAN);
        double sumExp = 0;
        for (int i = 0; i < vocab; i++) sumExp += Math.exp(logits[off + i] - max);
        float logSumExp = (float) Math.log(sumExp);
        float scale = (max - min) / 65535f;
        row.putFloat(scale).putFloat(min - max - logSumExp);
        float inv = scale != 0 ? 1 / scale : 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[off + i];
            // round half to even, as llama.cpp's nearest_int
            row.putShort((short) (scale != 0 && v > min ? Math.min(65535, (int) Math.rint(inv * (v - min))) : 0));
        }
        if ((vocab & 1) == 1) row.putShort((short) 0);
        return max + logSumExp - logits[off + target];
    }

    /** What the header says; tokens[c·ctx ..] is chunk c. */
    public record Header(int ctx, int vocab, int chunks, int[] tokens) {
        public long rowBytes() {
            return 2L * rowValues(vocab);
        }

        /** The file's size for this header. */
        public long fileBytes() {
            return 20L + 4L * ctx * chunks + (long) chunks * rowsPerChunk(ctx) * rowBytes();
        }
    }

    /**
     * Encodes a base file chunk by chunk onto a stream: the header at once, then each chunk's rows as
     * perplexity produces them. The file itself goes through {@link dev.pith.core.AtomicFile}, so no
     * partial file is ever left behind.
     */
    public static final class Writer {
        private final OutputStream out;
        private final int ctx, vocab, chunks;
        private final ByteBuffer row;
        private final int[] tokens;
        private int chunksWritten;

        public Writer(OutputStream out, int ctx, int vocab, int chunks, int[] tokens) {
            if (tokens.length < (long) ctx * chunks) throw new IllegalArgumentException("fewer tokens than chunks × ctx");
            this.out = out;
            this.ctx = ctx;
            this.vocab = vocab;
            this.chunks = chunks;
            this.tokens = tokens;
            this.row = ByteBuffer.allocate(2 * rowValues(vocab)).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer h = ByteBuffer.allocate(20 + 4 * ctx * chunks).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(ctx).putInt(vocab).putInt(chunks);
            for (int i = 0; i < ctx * chunks; i++) h.putInt(tokens[i]);
            write(h.array());
        }

        /**
         * One chunk's scored logits: {@code logits} holds rows for positions ctx/2 .. ctx−1 (vocab each),
         * as {@link Transformer#forwardFrom} gives them; returns the chunk's summed negative log-likelihood.
         */
        public double chunk(float[] logits) {
            if (chunksWritten == chunks) throw new IllegalStateException("all chunks written");
            int start = chunksWritten * ctx, first = ctx / 2;
            double nll = 0;
            for (int j = first; j < ctx - 1; j++) {
                row.clear();
                nll += encodeRow(logits, (j - first) * vocab, vocab, tokens[start + j + 1], row);
                write(row.array());
            }
            chunksWritten++;
            return nll;
        }

        /** Checks that every chunk the header announced was written. */
        public void finish() {
            if (chunksWritten != chunks) throw new IllegalStateException(chunksWritten + " of " + chunks + " chunks written");
        }

        private void write(byte[] bytes) {
            try {
                out.write(bytes);
            } catch (IOException e) {
                // AtomicFile names the file and removes its temporary copy
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Reads a base file: its header at once, then one chunk's rows at a time. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final DataInputStream in;
        private final Header header;
        private final ByteBuffer chunk;
        private int chunksRead;

        public Reader(Path file) {
            this.file = file;
            try {
                long size = Files.size(file);
                this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
                this.header = readHeader(in, size);
            } catch (IOException e) {
                throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
            } catch (BadFile e) {
                close();
                throw new PithException(file + " is not a usable base log-probability file: " + e.getMessage() + ".");
            }
            this.chunk = ByteBuffer.allocate(Math.toIntExact(rowsPerChunk(header.ctx) * header.rowBytes())).order(ByteOrder.LITTLE_ENDIAN);
        }

        public Header header() {
            return header;
        }

        /** The next chunk's rows (position, then scale, minLogProb and vocab uint16 each): read with {@link #logProb}. */
        public ByteBuffer nextChunk() {
            if (chunksRead == header.chunks) throw new IllegalStateException("all chunks read");
            try {
                in.readFully(chunk.array());
            } catch (EOFException e) {
                throw new PithException(file + " ends inside chunk " + (chunksRead + 1) + " of " + header.chunks + ".");
            } catch (IOException e) {
                throw new PithException(file + ": cannot be read (" + e.getMessage() + ").");
            }
            chunksRead++;
            return chunk;
        }

        @Override
        public void close() {
            try {
                if (in != null) in.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
        }
    }

    /** log p(token) from row {@code r} of a chunk read by {@link Reader#nextChunk}. */
    static float logProb(ByteBuffer chunk, int r, int vocab, int token) {
        int at = r * 2 * rowValues(vocab);
        float scale = chunk.getFloat(at), minLogProb = chunk.getFloat(at + 4);
        return scale * Short.toUnsignedInt(chunk.getShort(at + 8 + 2 * token)) + minLogProb;
    }

    private static final class BadFile extends Exception {
        BadFile(String message) {
            super(message);
        }
    }

    private static Header readHeader(InputStream raw, long size) throws IOException, BadFile {
        DataInputStream in = new DataInputStream(raw);
        if (size < 20) throw new BadFile("it holds " + size + " bytes, fewer than the 20-byte header");
        byte[] magic = new byte[8];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new BadFile("it does not start with \"_logits_\"");
        byte[] h = new byte[12];
        in.readFully(h);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        int ctx = b.getInt(), vocab = b.getInt(), chunks = b.getInt();
        if (ctx < 4 || ctx > (1 << 20)) throw new BadFile("its context length " + Integer.toUnsignedString(ctx) + " is not between 4 and 1048576");
        if (vocab < 2 || vocab > (1 << 24)) throw new BadFile("its vocabulary size " + Integer.toUnsignedString(vocab) + " is not between 2 and 16777216");
        if (chunks < 1) throw new BadFile("it holds " + chunks + " chunks");
        long tokenBytes = 4L * ctx * chunks;
        long expected = 20 + tokenBytes + (long) chunks * rowsPerChunk(ctx) * 2L * rowValues(vocab);
        if (expected != size) {
            throw new BadFile("its header (context " + ctx + ", vocabulary " + vocab + ", " + chunks + " chunks) needs " + expected
                    + " bytes but the file holds " + size);
        }
        if (rowsPerChunk(ctx) * 2L * rowValues(vocab) > Integer.MAX_VALUE - 8) throw new BadFile("one chunk's rows exceed 2 GB");
        if (tokenBytes > Integer.MAX_VALUE - 8) throw new BadFile("its " + (tokenBytes / 4) + " tokens exceed what one array holds");
        byte[] t = new byte[Math.toIntExact(tokenBytes)];
        in.readFully(t);
        ByteBuffer tb = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        int[] tokens = new int[ctx * chunks];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = tb.getInt();
            if (tokens[i] < 0 || tokens[i] >= vocab) throw new BadFile("token " + i + " is " + tokens[i] + ", outside the vocabulary of " + vocab);
        }
        return new Header(ctx, vocab, chunks, tokens);
    }
}
