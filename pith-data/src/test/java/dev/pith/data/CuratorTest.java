package dev.pith.data;

import dev.pith.data.read.ReadOptions;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.train.data.TokenShards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CuratorTest {
    @TempDir Path dir;

    int dupOf, nearOf, contaminated;

    /** Four JSONL shards of stories with junk, duplicates and a contaminated document mixed in. */
    private List<Path> corpus() throws Exception {
        List<String> stories = TestFiles.stories();
        // duplicate stories the prose rules keep, so the dedup stage is the one that meets the copies
        List<Integer> clean = new ArrayList<>();
        CurateConfig d = CurateConfig.defaults();
        for (int i = 0; i < 30; i++) {
            Doc doc = new Doc("x", Normalizer.normalize(stories.get(i)));
            if (!new dev.pith.data.filter.GopherQuality(d.gopher, "auto").apply(doc).removed() && !new dev.pith.data.filter.C4Lines(d.c4, "auto").apply(doc).removed()) clean.add(i);
        }
        dupOf = clean.get(0);
        nearOf = clean.get(1);
        contaminated = clean.get(2);
        List<Path> files = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            List<String[]> docs = new ArrayList<>();
            for (int i = 0; i < 30; i++) docs.add(new String[]{"s" + s + "-" + i, stories.get(s * 30 + i)});
            docs.add(new String[]{"s" + s + "-dup", stories.get(dupOf)});
            docs.add(new String[]{"s" + s + "-junk", "click here | home | login | 404 not found"});
            docs.add(new String[]{"s" + s + "-near", stories.get(nearOf).replace("the ", "the  ").replaceFirst("\\.", "!")});
            Path f = dir.resolve("part-" + s + ".jsonl");
            Files.writeString(f, TestFiles.jsonl(docs));
            files.add(f);
        }
        return files;
    }

    private static Map<String, String> byId(List<Map<String, String>> rows, String id) {
        return rows.stream().filter(r -> r.get("id").equals(id)).findFirst().orElseThrow(() -> new AssertionError("no record " + id));
    }

    @Test
    void writesKeptRemovedAndReportsWithReasons() throws Exception {
        List<Path> in = corpus();
        Path eval = dir.resolve("eval.txt");
        Files.writeString(eval, "Some eval preamble. " + TestFiles.story(contaminated)); // s0-<contaminated> must go
        CurateConfig cfg = CurateConfig.defaults();
        cfg.decontam.files = List.of(eval.toString());
        Curator.Summary s = Curator.run(TestFiles.options(in, dir.resolve("out"), cfg));
        var removed = TestFiles.readJsonl(dir.resolve("out/removed.jsonl"));
        var kept = TestFiles.readJsonl(dir.resolve("out/kept.jsonl"));
        assertThat(kept.size() + removed.size()).isEqualTo(4 * 33);
        assertThat(s.docsIn()).isEqualTo(4 * 33);
        assertThat(s.docsKept()).isEqualTo(kept.size());
        assertThat(byId(removed, "s0-dup")).containsEntry("stage", "exact_dedup").containsEntry("duplicate_of", "s0-" + dupOf);
        assertThat(byId(removed, "s3-dup")).containsEntry("duplicate_of", "s0-" + dupOf);
        assertThat(byId(removed, "s0-near")).containsEntry("stage", "near_dedup").containsEntry("duplicate_of", "s0-" + nearOf);
        assertThat(byId(removed, "s1-near")).containsEntry("stage", "exact_dedup").containsEntry("duplicate_of", "s0-near");
        assertThat(byId(removed, "s0-junk")).containsEntry("stage", "gopher").containsEntry("reason", "gopher_few_words");
        assertThat(byId(removed, "s0-" + contaminated)).containsEntry("stage", "decontam");
        assertThat(kept).extracting(r -> r.get("id")).contains("s0-" + dupOf, "s0-" + nearOf).doesNotContain("s0-dup", "s0-near");
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("out/report.json").toFile());
        assertThat(report.get("documents_kept").asLong()).isEqualTo(kept.size());
        List<String> stages = new ArrayList<>();
        report.get("stages").forEach(n -> stages.add(n.get("stage").asText()));
        assertThat(stages).containsSubsequence("read", "gopher", "c4", "decontam", "exact_dedup", "near_dedup");
        var exact = report.get("stages").get(stages.indexOf("exact_dedup"));
        assertThat(exact.get("reasons").get("exact_duplicate").asInt()).as("4 copies, and 3 copies of the edited s0-near").isEqualTo(7);
        assertThat(exact.get("samples").get("exact_duplicate").get(0).get("id").asText()).isEqualTo("s0-dup");
        assertThat(Files.readString(dir.resolve("out/report.html"))).contains("exact_duplicate").contains("s0-dup");
        assertThat(dir.resolve("out").resolve(Curator.WORK)).doesNotExist();
    }

    @Test
    void anInterruptedRunResumesWithoutRedoingShardsAndGivesIdenticalOutput() throws Exception {
        List<Path> in = corpus();
        CurateConfig cfg = CurateConfig.defaults();
        Curator.run(TestFiles.options(in, dir.resolve("fresh"), cfg));

        Path out = dir.resolve("resumed");
        List<Integer> processed = new ArrayList<>();
        Curator.Options interrupting = new Curator.Options(in, out, new ReadOptions(false, "text", "id", cfg.read.maxDocBytes), cfg, null, null, false, 0.1, 2, i -> {
            processed.add(i);
            if (i == 1) throw new IllegalStateException("injected interruption after shard 1");
        });
        assertThatThrownBy(() -> Curator.run(interrupting)).hasMessageContaining("injected interruption");
        assertThat(out.resolve(Curator.WORK).resolve("shard-000001.stats.json")).exists();
        assertThat(out.resolve(Curator.WORK).resolve("shard-000002.stats.json")).doesNotExist();
        assertThat(out.resolve("kept.jsonl")).doesNotExist();

        Curator.Summary s = Curator.run(TestFiles.options(in, out, cfg));
        assertThat(s.shardsResumed()).isEqualTo(2);
        for (String f : List.of("kept.jsonl", "removed.jsonl"))
            assertThat(Files.readString(out.resolve(f))).as(f).isEqualTo(Files.readString(dir.resolve("fresh").resolve(f)));
        var a = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("report.json").toFile());
        var b = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("fresh/report.json").toFile());
        assertThat(a.get("documents_kept")).isEqualTo(b.get("documents_kept"));
        assertThat(a.get("tokens_kept")).isEqualTo(b.get("tokens_kept"));
    }

    @Test
    void aChangedConfigStartsOver() throws Exception {
        List<Path> in = corpus();
        CurateConfig cfg = CurateConfig.defaults();
        Path out = dir.resolve("out");
        Curator.Options stop = new Curator.Options(in, out, new ReadOptions(false, "text", "id", cfg.read.maxDocBytes), cfg, null, null, false, 0.1, 2, i -> {
            if (i == 0) throw new IllegalStateException("stop");
        });
        assertThatThrownBy(() -> Curator.run(stop)).hasMessage("stop");
        CurateConfig other = CurateConfig.defaults();
        other.gopher.minWords = 10;
        assertThat(Curator.run(TestFiles.options(in, out, other)).shardsResumed()).isZero();
    }

    @Test
    void perplexityAndClassifierStagesRemoveWordSalad() throws Exception {
        List<String> stories = TestFiles.stories();
        List<String[]> docs = new ArrayList<>();
        for (int i = 0; i < 6; i++) docs.add(new String[]{"story" + i, stories.get(100 + i)});
        List<String> salad = dev.pith.data.quality.HashedNgramClassifier.randomTexts(stories.subList(100, 106), 3, 5);
        for (int i = 0; i < salad.size(); i++) docs.add(new String[]{"salad" + i, salad.get(i)});
        Path in = dir.resolve("mix.jsonl");
        Files.writeString(in, TestFiles.jsonl(docs));
        CurateConfig cfg = TestFiles.noFilters();
        cfg.perplexity.model = TestFiles.shared().resolve("data/models/stories260K-f32.gguf").toString();
        cfg.perplexity.headMax = 8;
        cfg.perplexity.middleMax = 30;
        Curator.run(TestFiles.options(List.of(in), dir.resolve("ppl"), cfg));
        var removed = TestFiles.readJsonl(dir.resolve("ppl/removed.jsonl"));
        assertThat(removed).extracting(r -> r.get("id")).containsExactlyInAnyOrder("salad0", "salad1", "salad2");
        assertThat(removed).allSatisfy(r -> assertThat(r).containsEntry("stage", "perplexity").containsEntry("reason", "bucket_tail"));

        var clf = new dev.pith.data.quality.HashedNgramClassifier(16);
        List<String> good = stories.subList(0, 300);
        List<String> x = new ArrayList<>(good);
        List<Boolean> y = new ArrayList<>();
        good.forEach(g -> y.add(true));
        for (String r : dev.pith.data.quality.HashedNgramClassifier.randomTexts(good, 300, 2)) {
            x.add(r);
            y.add(false);
        }
        clf.train(x, y, 4, 0.5, 1e-6, 1);
        Path clfFile = dir.resolve("q.bin");
        clf.save(clfFile);
        CurateConfig c2 = TestFiles.noFilters();
        c2.classifier.model = clfFile.toString();
        Curator.run(TestFiles.options(List.of(in), dir.resolve("clf"), c2));
        var removed2 = TestFiles.readJsonl(dir.resolve("clf/removed.jsonl"));
        assertThat(removed2).extracting(r -> r.get("id")).containsExactlyInAnyOrder("salad0", "salad1", "salad2");
        assertThat(removed2).allSatisfy(r -> assertThat(r).containsEntry("stage", "classifier").containsEntry("reason", "low_score"));
    }

    @Test
    void packsKeptDocumentsIntoTrainingShards() throws Exception {
        List<Path> in = corpus();
        Tokenizer tok = Models.load(TestFiles.shared().resolve("data/models/stories260K-f32.gguf")).tokenizer();
        CurateConfig cfg = CurateConfig.defaults();
        Path out = dir.resolve("out");
        Curator.Summary s = Curator.run(new Curator.Options(in, out, new ReadOptions(false, "text", "id", cfg.read.maxDocBytes), cfg, tok, "stories260K", true, 0.1, 2, null));
        long expected = 0;
        List<String> texts = new ArrayList<>();
        OutputRecords.readKept(out.resolve("kept.jsonl"), (id, text) -> texts.add(text));
        for (int i = 0; i < texts.size(); i++) expected += tok.encode(texts.get(i)).length + (i > 0 && tok.eos() >= 0 ? 1 : 0);
        try (TokenShards train = TokenShards.open(out.resolve("pack"), "train"); TokenShards val = TokenShards.open(out.resolve("pack"), "val")) {
            assertThat(train.size() + val.size()).isEqualTo(expected);
            assertThat(train.size()).isEqualTo(s.pack().trainTokens());
            int[] first = tok.encode(texts.getFirst());
            for (int i = 0; i < 20; i++) assertThat(train.get(i)).isEqualTo(first[i]);
        }
        assertThat(s.tokensKept()).as("token counts use the tokenizer").isEqualTo(expected - (texts.size() - 1) * (tok.eos() >= 0 ? 1 : 0));
    }
}
