package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** `pith perplexity --kl-divergence-base` then `--kl-divergence`, on the shared stories260K and its llama.cpp-made quantizations. */
class PerplexityKlTest {
    @TempDir Path dir;

    private JsonNode json(CliRunner r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        return Json.MAPPER.readTree(r.out());
    }

    private Path base() throws Exception {
        Path base = dir.resolve("base.kld");
        JsonNode p = json(CliRunner.run("perplexity", "-m", CliRunner.shared("models/stories260K-f32.gguf").toString(),
                "-f", CliRunner.shared("text/tinystories-sample.txt").toString(), "--ctx", "64", "--chunks", "12",
                "--kl-divergence-base", base.toString(), "--json"));
        assertThat(p.get("chunks").asInt()).isEqualTo(12);
        assertThat(Files.size(base)).isEqualTo(20 + 4L * 64 * 12 + 12L * 31 * 2 * (512 + 4));
        return base;
    }

    private JsonNode compare(String model, Path base) throws Exception {
        return json(CliRunner.run("perplexity", "-m", CliRunner.shared("models/" + model).toString(),
                "--kl-divergence", "--kl-divergence-base", base.toString(), "--json")).get("report");
    }

    @Test
    void quantizedModelsAreComparedWithTheirBase() throws Exception {
        Path base = base();
        JsonNode self = compare("stories260K-f32.gguf", base);
        JsonNode q8 = compare("stories260K-q8_0.gguf", base);
        JsonNode q4 = compare("stories260K-q4_0.gguf", base);
        assertThat(self.get("positions").asLong()).isEqualTo(12 * 31);
        assertThat(self.at("/kld/value").asDouble()).isCloseTo(0, within(1e-5));
        assertThat(self.at("/sameTop/value").asDouble()).isEqualTo(1.0);
        // the same positions as the plain perplexity run scored
        JsonNode plain = json(CliRunner.run("perplexity", "-m", CliRunner.shared("models/stories260K-q4_0.gguf").toString(),
                "-f", CliRunner.shared("text/tinystories-sample.txt").toString(), "--ctx", "64", "--chunks", "12", "--json"));
        // (the comparison sums float negative log-likelihoods as llama.cpp does, perplexity doubles)
        assertThat(q4.at("/ppl/value").asDouble()).isCloseTo(plain.get("ppl").asDouble(), within(1e-6));
        // fewer bits, further from the base: Q4_0 drifts more than Q8_0
        assertThat(q8.at("/kld/value").asDouble()).isPositive().isLessThan(q4.at("/kld/value").asDouble());
        assertThat(q8.at("/sameTop/value").asDouble()).isGreaterThan(q4.at("/sameTop/value").asDouble());
        assertThat(q4.at("/lnPplRatio/uncertainty").asDouble()).isPositive();
        assertThat(q4.at("/kldPercentiles/99").asDouble()).isGreaterThan(q4.at("/kldPercentiles/median").asDouble());
    }

    @Test
    void theReportDoesNotDependOnTheThreadCount() throws Exception {
        Path base = base();
        String model = CliRunner.shared("models/stories260K-q4_0.gguf").toString();
        JsonNode one = json(CliRunner.run("perplexity", "-m", model, "--threads", "1", "--kl-divergence", "--kl-divergence-base", base.toString(), "--json"));
        JsonNode two = json(CliRunner.run("perplexity", "-m", model, "--threads", "2", "--kl-divergence", "--kl-divergence-base", base.toString(), "--json"));
        assertThat(two.get("report")).isEqualTo(one.get("report"));
    }

    @Test
    void textReportHasLlamaCppsBlocks() throws Exception {
        Path base = base();
        CliRunner r = CliRunner.run("perplexity", "-m", CliRunner.shared("models/stories260K-q4_0.gguf").toString(),
                "--kl-divergence", "--kl-divergence-base", base.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("====== Perplexity statistics ======", "Mean ln(PPL(Q)/PPL(base))", "====== KL divergence statistics ======",
                "99.9%   KLD:", "Median  KLD:", "RMS Δp", "Same top p");
    }

    private void assertOneSentence(CliRunner r, String... fragments) {
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).isEmpty();
        String err = r.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception");
        for (String f : fragments) assertThat(err).contains(f);
    }

    @Test
    void badUseIsOneSentence() throws Exception {
        String model = CliRunner.shared("models/stories260K-f32.gguf").toString();
        assertOneSentence(CliRunner.run("perplexity", "-m", model, "--kl-divergence"), "--kl-divergence-base");
        assertOneSentence(CliRunner.run("perplexity", "-m", model), "-f FILE");
        // a base file over another vocabulary: another model family
        Path other = dir.resolve("other.kld");
        int ctx = 8, vocab = 1000;
        ByteBuffer b = ByteBuffer.allocate(20 + 4 * ctx + (ctx - 1 - ctx / 2) * 2 * (vocab + 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.put("_logits_".getBytes()).putInt(ctx).putInt(vocab).putInt(1);
        Files.write(other, b.array());
        assertOneSentence(CliRunner.run("perplexity", "-m", model, "--kl-divergence", "--kl-divergence-base", other.toString()), "vocabulary of 1000");
        Path base = base();
        assertOneSentence(CliRunner.run("perplexity", "-m", model, "--kl-divergence", "--kl-divergence-base", base.toString(), "--ctx", "128"),
                "chunks of 64 tokens");
        Path broken = dir.resolve("broken.kld");
        Files.write(broken, new byte[] {'_', 'l', 'o'});
        assertOneSentence(CliRunner.run("perplexity", "-m", model, "--kl-divergence", "--kl-divergence-base", broken.toString()), broken.toString());
    }
}
