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

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
