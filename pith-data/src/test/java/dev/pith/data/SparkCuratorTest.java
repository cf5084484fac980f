package dev.pith.data;

import dev.pith.data.spark.SparkCurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The same stages on Apache Spark (local[2]) give byte-identical output to an in-process run. */
class SparkCuratorTest {
    @TempDir Path dir;

    @Test
    void sparkLocalGivesTheSameOutputAsInProcess() throws Exception {
        List<String> stories = TestFiles.stories();
        List<Path> in = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            List<String[]> docs = new ArrayList<>();
            for (int i = 0; i < 40; i++) docs.add(new String[]{"p" + s + "-" + i, stories.get((s * 40 + i) % 60)}); // shards repeat each other's stories
            docs.add(new String[]{"p" + s + "-junk", "buy now ... #deal ".repeat(30)});
            Path f = dir.resolve("part-" + s + ".jsonl");
            Files.writeString(f, TestFiles.jsonl(docs));
            in.add(f);
        }
        Map<String, byte[]> src = new LinkedHashMap<>();
        src.put("A.java", TestFiles.utf8("/*\n * Copyright 2024 Someone. Licensed under the Apache License.\n */\n"));
        src.put("B.java", TestFiles.utf8("class B {\n    int f(int x) { return x * 2; }\n}\n"));
        src.put("C.java", TestFiles.utf8("class B {\n    int f(int x) { return x * 2; }\n}\n"));
        Path zip = dir.resolve("src.zip");
        TestFiles.zip(zip, src);
        in.add(zip);

        CurateConfig cfg = CurateConfig.defaults();
        Curator.Summary local = Curator.run(TestFiles.options(in, dir.resolve("local"), cfg));
        Curator.Summary spark = SparkCurator.run(TestFiles.options(in, dir.resolve("spark"), cfg), "local[2]");
        assertThat(spark.docsIn()).isEqualTo(local.docsIn()).isEqualTo(3 * 41 + 3);
        assertThat(spark.docsKept()).isEqualTo(local.docsKept()).isLessThan(local.docsIn());
        for (String f : List.of("kept.jsonl", "removed.jsonl"))
            assertThat(Files.readAllBytes(dir.resolve("spark").resolve(f))).as(f).isEqualTo(Files.readAllBytes(dir.resolve("local").resolve(f)));
        assertThat(Files.readString(dir.resolve("spark/removed.jsonl"))).contains("exact_duplicate").contains("code_licence_only");
    }
}
