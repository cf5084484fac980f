package dev.pith.data.spark;

import dev.pith.core.PithException;
import dev.pith.data.Curator;
import dev.pith.data.read.Inputs;
import dev.pith.data.read.Shard;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code pith data curate --spark MASTER}: the per-shard phase (read, normalise, filters,
 * decontamination, scoring, hashing) runs as a Spark job, one task per shard, each writing the same
 * checkpoint file an in-process run writes; the driver then runs the same global dedup and output
 * phase. The output is therefore byte-identical to an in-process run (a test checks it), and a
 * failed job resumes like any run. On a cluster the output folder must be on a file system every
 * executor and the driver share (NFS, a mounted bucket), as the checkpoints are plain files.
 */
public final class SparkCurator {
    private SparkCurator() {}

    /** True when Apache Spark is on the class path (it is an optional dependency of Pith). */
    public static boolean available() {
        try {
            Class.forName("org.apache.spark.api.java.JavaSparkContext", false, SparkCurator.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public static Curator.Summary run(Curator.Options o, String master) {
        if (!available()) throw new PithException("--spark needs Apache Spark 4.2 (spark-core_2.13) on the class path, which this installation does not have.");
        CurateJob job = CurateJob.of(o);
        return Curator.run(o, (curator, shards) -> {
            List<Integer> pending = new ArrayList<>();
            for (Shard s : shards) if (!curator.done(s)) pending.add(s.index());
            if (!pending.isEmpty()) {
                SparkConf conf = new SparkConf().setMaster(master).setAppName("pith data curate").set("spark.ui.enabled", "false")
                        .setIfMissing("spark.driver.host", "localhost");
                try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                    sc.setLogLevel("WARN");
                    sc.parallelize(pending, pending.size()).foreach(i -> processOnExecutor(job, i));
                } catch (RuntimeException e) {
                    throw new PithException("the Spark job failed (" + rootMessage(e) + "); run the same command again to resume.", e);
                }
            }
            for (Shard s : shards) o.afterShard().accept(s.index());
        });
    }

    /** One Spark task: rebuild the options, find shard {@code index} among the same shards, process it. */
    static void processOnExecutor(CurateJob job, int index) {
        Curator.Options o = job.options();
        List<Shard> shards = Inputs.shards(o.inputs());
        Curator c = Curator.forShards(o);
        Shard s = shards.get(index);
        if (!c.done(s)) c.processShard(s, 1);
    }

    /**
     * Benchmark entry point (bench/curation/spark-throughput.sh): curates the same inputs in-process
     * and on Spark MASTER, one after the other in one JVM, and prints both wall times and whether the
     * outputs are identical. Arguments: MASTER OUT_DIR INPUT...
     */
    public static void main(String[] args) throws java.io.IOException {
        String master = args[0];
        java.nio.file.Path out = java.nio.file.Path.of(args[1]);
        List<java.nio.file.Path> in = java.util.Arrays.stream(args, 2, args.length).map(java.nio.file.Path::of).toList();
        dev.pith.data.CurateConfig cfg = dev.pith.data.CurateConfig.defaults();
        dev.pith.data.read.ReadOptions read = new dev.pith.data.read.ReadOptions(false, "text", "id", cfg.read.maxDocBytes);
        Curator.Summary local = Curator.run(new Curator.Options(in, out.resolve("in-process"), read, cfg, null, null, false, 0.1, 0, null));
        Curator.Summary spark = run(new Curator.Options(in, out.resolve("spark"), read, cfg, null, null, false, 0.1, 0, null), master);
        boolean same = java.util.Arrays.equals(java.nio.file.Files.readAllBytes(out.resolve("in-process/kept.jsonl")), java.nio.file.Files.readAllBytes(out.resolve("spark/kept.jsonl")))
                && java.util.Arrays.equals(java.nio.file.Files.readAllBytes(out.resolve("in-process/removed.jsonl")), java.nio.file.Files.readAllBytes(out.resolve("spark/removed.jsonl")));
        System.out.printf("{\"bytes_in\": %d, \"shards\": %d, \"in_process_seconds\": %.2f, \"spark_seconds\": %.2f, \"in_process_mb_per_s\": %.2f, \"spark_mb_per_s\": %.2f, \"identical\": %b}%n",
                local.bytesIn(), local.shards(), local.seconds(), spark.seconds(), local.bytesIn() / 1e6 / local.seconds(), spark.bytesIn() / 1e6 / spark.seconds(), same);
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
