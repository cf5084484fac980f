package dev.pith.model.runtime;

import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The llama.cpp-layout base log-probability file: rows, the whole file, and every way it can be broken. */
class BaseLogitsTest {
    @TempDir Path dir;

    /** log-softmax in double: the plain twin the 16-bit rows are held against. */
    static double[] logSoftmax(float[] logits, int off, int vocab) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        double[] lp = new double[vocab];
        for (int i = 0; i < vocab; i++) lp[i] = logits[off + i] - max - Math.log(sum);
        return lp;
    }

    static float[] randomLogits(SplittableRandom r, int n, double spread) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (spread * r.nextGaussian());
        return l;
    }

    @Test
    void rowKeepsEveryLogProbabilityAboveTheFloorWithinHalfAStep() {
        SplittableRandom r = new SplittableRandom(7);
        for (int vocab : new int[] {2, 3, 511, 512, 2048}) {
            for (double spread : new double[] {0.01, 1, 4, 20}) {
                float[] logits = randomLogits(r, vocab, spread);
                ByteBuffer row = ByteBuffer.allocate(2 * BaseLogits.rowValues(vocab)).order(ByteOrder.LITTLE_ENDIAN);
                int target = r.nextInt(vocab);
                double nll = BaseLogits.encodeRow(logits, 0, vocab, target, row);
                assertThat(row.position()).isEqualTo(row.capacity());
                double[] exact = logSoftmax(logits, 0, vocab);
                assertThat(nll).isCloseTo(-exact[target], within(1e-5));
                float scale = row.getFloat(0);
                double top = Arrays.stream(exact).max().orElseThrow();
                for (int i = 0; i < vocab; i++) {
                    double kept = BaseLogits.logProb(row, 0, vocab, i);
                    if (exact[i] > top - BaseLogits.SPAN + scale) {
                        assertThat(kept).as("vocab %d spread %s token %d", vocab, spread, i).isCloseTo(exact[i], within(scale / 2 + 2e-5 * (1 + Math.abs(exact[i]))));
                    } else {
                        // below the floor: the floor itself (16 nats under the top), never lower
                        assertThat(kept).isCloseTo(top - BaseLogits.SPAN, within(1e-4)).isGreaterThanOrEqualTo(exact[i] - 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void flatLogitsGiveAZeroScaleRow() {
        float[] logits = new float[8];
        Arrays.fill(logits, 3f);
        ByteBuffer row = ByteBuffer.allocate(2 * BaseLogits.rowValues(8)).order(ByteOrder.LITTLE_ENDIAN);
        BaseLogits.encodeRow(logits, 0, 8, 0, row);
        for (int i = 0; i < 8; i++) assertThat(BaseLogits.logProb(row, 0, 8, i)).isCloseTo((float) -Math.log(8), within(1e-6f));
    }

    private Path writeFile(int ctx, int vocab, int chunks, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] tokens = r.ints((long) ctx * chunks + 5, 0, vocab).toArray();
        Path p = dir.resolve("base-" + seed + ".kld");
        AtomicFile.write(p, out -> {
            BaseLogits.Writer w = new BaseLogits.Writer(out, ctx, vocab, chunks, tokens);
            int rows = ctx - ctx / 2;
            for (int c = 0; c < chunks; c++) w.chunk(randomLogits(r, rows * vocab, 3));
            w.finish();
        });
        return p;
    }

    @Test
    void writtenFileReadsBackWithItsHeaderTokensAndRows() throws IOException {
        int ctx = 10, vocab = 7, chunks = 3;
        SplittableRandom r = new SplittableRandom(3);
        int[] tokens = r.ints(ctx * chunks, 0, vocab).toArray();
        float[][] logits = new float[chunks][];
        Path p = dir.resolve("base.kld");
        double[] nllSum = new double[1];
        AtomicFile.write(p, out -> {
            BaseLogits.Writer w = new BaseLogits.Writer(out, ctx, vocab, chunks, tokens);
            for (int c = 0; c < chunks; c++) nllSum[0] += w.chunk(logits[c] = randomLogits(r, (ctx - ctx / 2) * vocab, 2));
            w.finish();
        });
        double nll = nllSum[0];
        BaseLogits.Header expectedHeader = new BaseLogits.Header(ctx, vocab, chunks, tokens);
        assertThat(Files.size(p)).isEqualTo(expectedHeader.fileBytes());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-r--r--");
        byte[] bytes = Files.readAllBytes(p);
        assertThat(new String(bytes, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("_logits_");
        double nllBack = 0;
        try (BaseLogits.Reader in = new BaseLogits.Reader(p)) {
            assertThat(in.header().ctx()).isEqualTo(ctx);
            assertThat(in.header().vocab()).isEqualTo(vocab);
            assertThat(in.header().chunks()).isEqualTo(chunks);
            assertThat(in.header().tokens()).isEqualTo(tokens);
            for (int c = 0; c < chunks; c++) {
                ByteBuffer rows = in.nextChunk();
                for (int j = ctx / 2; j < ctx - 1; j++) {
                    int row = j - ctx / 2, target = tokens[c * ctx + j + 1];
                    double[] exact = logSoftmax(logits[c], row * vocab, vocab);
                    for (int i = 0; i < vocab; i++) assertThat((double) BaseLogits.logProb(rows, row, vocab, i)).isCloseTo(exact[i], within(1e-3));
                    nllBack -= BaseLogits.logProb(rows, row, vocab, target);
                }
            }
        }
        assertThat(nllBack).isCloseTo(nll, within(1e-3));
    }

    @Test
    void anUnfinishedWriterLeavesNoFile() throws IOException {
        Path p = dir.resolve("partial.kld");
        // one chunk of two, then the check that ends the file refuses: nothing may be left behind
        assertThatThrownBy(() -> AtomicFile.write(p, out -> {
            BaseLogits.Writer w = new BaseLogits.Writer(out, 8, 4, 2, new int[16]);
            w.chunk(new float[4 * 4]);
            w.finish();
        })).isInstanceOf(IllegalStateException.class);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    private static void assertRefused(Path p, String fragment) {
        assertThatThrownBy(() -> {
            try (BaseLogits.Reader in = new BaseLogits.Reader(p)) {
                for (int c = 0; c < in.header().chunks(); c++) in.nextChunk();
            }
        }).isInstanceOf(PithException.class).hasMessageContaining(p.toString()).hasMessageContaining(fragment);
    }

    @Test
    void brokenFilesAreNamedWithTheirProblem() throws IOException {
        byte[] good = Files.readAllBytes(writeFile(8, 5, 2, 1));
        Path p = dir.resolve("broken.kld");
        Files.write(p, Arrays.copyOf(good, good.length - 3));
        assertRefused(p, "needs");
        Files.write(p, Arrays.copyOf(good, 12));
        assertRefused(p, "fewer than the 20-byte header");
        byte[] magic = good.clone();
        magic[0] = 'X';
        Files.write(p, magic);
        assertRefused(p, "does not start with \"_logits_\"");
        byte[] token = good.clone();
        ByteBuffer.wrap(token).order(ByteOrder.LITTLE_ENDIAN).putInt(20 + 4 * 3, 99);
        Files.write(p, token);
        assertRefused(p, "outside the vocabulary");
        byte[] ctx = good.clone();
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -5);
        Files.write(p, ctx);
        assertRefused(p, "context length");
        assertRefused(dir.resolve("missing.kld"), "cannot be read");
    }

    /** Any corruption of a valid file, or any bytes at all after the magic: read in full or refused in one sentence, nothing else. */
    @Property(tries = 400)
    void corruptedFilesFailCleanly(@ForAll @IntRange(min = 0, max = 1000) int position, @ForAll byte value,
                                   @ForAll @IntRange(min = 0, max = 1200) int length) throws IOException {
        // jqwik properties get no @TempDir: one directory per try, removed after it
        dir = Files.createTempDirectory("base-logits-fuzz");
        try {
            byte[] b = Files.readAllBytes(writeFile(8, 5, 3, 2));
            b = Arrays.copyOf(b, Math.min(length, b.length + 64));
            if (position < b.length) b[position] = value;
            Path p = dir.resolve("fuzz.kld");
            Files.write(p, b);
            assertThatCode(() -> {
                try (BaseLogits.Reader in = new BaseLogits.Reader(p)) {
                    for (int c = 0; c < in.header().chunks(); c++) in.nextChunk();
                } catch (PithException expected) {
                    // the defined failure
                }
            }).doesNotThrowAnyException();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }
}
