package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DataCurateCommandTest {
    @TempDir Path dir;

    private Path stories(int n) throws Exception {
        String all = Files.readString(CliRunner.shared("text/tinystories-sample.txt"));
        String[] parts = all.split("<\\|endoftext\\|>");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(Json.MAPPER.writeValueAsString(java.util.Map.of("id", "st" + i, "text", parts[i].strip()))).append('\n');
        sb.append(Json.MAPPER.writeValueAsString(java.util.Map.of("id", "copy", "text", parts[0].strip()))).append('\n');
        Path f = dir.resolve("stories.jsonl");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void curatesAndPrintsOneJsonObject() throws Exception {
        Path in = stories(40);
        CliRunner r = CliRunner.run("data", "curate", "--in", in.toString(), "--out", dir.resolve("out").toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertThat(j.get("documents_in").asInt()).isEqualTo(41);
        assertThat(j.get("documents_kept").asInt()).isLessThan(41).isEqualTo((int) Files.lines(dir.resolve("out/kept.jsonl")).count());
        assertThat(Files.readString(dir.resolve("out/removed.jsonl"))).contains("\"id\":\"copy\"").contains("\"duplicate_of\":\"st0\"");
        assertThat(dir.resolve("out/report.html")).isRegularFile();
    }

    @Test
    void printsTheDefaultConfigWhichReadsBack() throws Exception {
        CliRunner r = CliRunner.run("data", "curate", "--print-config");
        assertThat(r.code()).isZero();
        Path f = dir.resolve("c.json");
        Files.writeString(f, r.out());
        assertThat(CliRunner.run("data", "curate", "--config", f.toString(), "--in", stories(5).toString(), "--out", dir.resolve("o").toString()).code()).isZero();
    }

    @Test
    void badConfigAndMissingInputAreOneSentence() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"gopher\": {\"min_wrods\": 3}}");
        for (CliRunner r : new CliRunner[]{
                CliRunner.run("data", "curate", "--config", f.toString(), "--in", stories(3).toString(), "--out", dir.resolve("o").toString()),
                CliRunner.run("data", "curate", "--in", dir.resolve("missing.txt").toString(), "--out", dir.resolve("o").toString())}) {
            assertThat(r.code()).isNotZero();
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("Exception").contains(r.err().contains("bad.json") ? "min_wrods" : "missing.txt");
        }
    }

    @Test
    void sparkWithoutSparkOnTheClassPathIsOneSentence() throws Exception {
        CliRunner r = CliRunner.run("data", "curate", "--in", stories(3).toString(), "--out", dir.resolve("o").toString(), "--spark", "local[2]");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).isEqualTo("pith: --spark needs Apache Spark 4.2 (spark-core_2.13) on the class path, which this installation does not have.");
    }

    @Test
    void scoreTrainsAClassifierAndScoresDocuments() throws Exception {
        Path good = stories(300);
        Path clf = dir.resolve("clf.bin");
        CliRunner t = CliRunner.run("data", "score", "--train", "--good", good.toString(), "--save", clf.toString(), "--json");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(Json.MAPPER.readTree(t.out()).get("held_out_accuracy").asDouble()).isGreaterThan(0.9);
        Path scores = dir.resolve("scores.jsonl");
        CliRunner s = CliRunner.run("data", "score", "--classifier", clf.toString(), "--in", good.toString(), "--out", scores.toString(), "--json");
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(Files.lines(scores).count()).isEqualTo(301);
        assertThat(Json.MAPPER.readTree(s.out()).get("mean_score").asDouble()).isGreaterThan(0.5);
    }
}
