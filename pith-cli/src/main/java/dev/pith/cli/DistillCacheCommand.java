package dev.pith.cli;

import dev.pith.core.Parallel;
import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.tokenizer.Tokenizer;
import dev.pith.model.tokenizer.Tokenizers;
import dev.pith.train.distill.TeacherCache;
import dev.pith.train.distill.TrainEngineTeacher;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "cache", sortOptions = false,
        description = {"Run the teacher once over every window of the training data and keep its top-K logits per position on disk,",
                "for pith distill --teacher-cache (offline distillation). Sharded; an interrupted run resumes where it stopped.",
                "The data split and windows are pith distill's: give the same --data, --tokenizer and --seq-len."})
final class DistillCacheCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--teacher", required = true, paramLabel = "PATH", description = "The teacher model (any model Pith loads).") Path teacher;
    @Option(names = "--data", required = true, paramLabel = "PATH", description = "A folder from pith data pack, or a text file (its first 90%% is the training split).") Path data;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json for a text --data (default: the teacher's).") Path tokenizer;
    @Option(names = "--top-k", defaultValue = "64", paramLabel = "K", description = "Logits kept per position (default ${DEFAULT-VALUE}; the vocabulary size keeps all).") int topK;
    @Option(names = "--seq-len", paramLabel = "N", description = "Window length, as pith distill's --seq-len (default: the teacher's context).") Integer seqLen;
    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Windows per teacher pass (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--shard-windows", defaultValue = "256", paramLabel = "N", description = "Windows per shard file (default ${DEFAULT-VALUE}).") int shardWindows;
    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).") Integer threads;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The cache folder (created, or resumed).") Path out;
    @Mixin OutputOptions output;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        if (threads != null) Parallel.setThreads(threads);
        if (batch < 1) throw new PithException("--batch must be at least 1, got " + batch + ".");
        if (!Files.exists(data)) throw new PithException(data + ": no such file or folder (--data).");
        try (Model t = Models.load(teacher)) {
            Tokenizer tok = tokenizer != null ? Tokenizers.fromHfJson(tokenizer) : t.tokenizer();
            if (tok == null) throw new PithException(teacher + " carries no tokenizer; give --tokenizer tokenizer.json.");
            int seq = seqLen != null ? seqLen : t.config().contextLength();
            if (seq < 1 || seq > t.config().contextLength())
                throw new PithException("--seq-len must lie between 1 and the teacher's context of " + t.config().contextLength() + ", got " + seq + ".");
            try (TrainFlags.Data d = TrainFlags.load(data, tok, tokenizer != null ? tokenizer.toString() : "of " + teacher)) {
                TeacherCache.Layout layout = TeacherCache.layoutFor(d.train(), seq, topK, t.config().vocabSize(), shardWindows, teacher.toString());
                int[] reused = {0};
                TeacherCache cache;
                try (ProgressBar bar = output.json ? null : Progress.bar("cache", layout.windows())) {
                    cache = TeacherCache.build(out, TrainEngineTeacher.forModel(t), d.train(), layout, batch, (done, total, wasThere) -> {
                        if (wasThere) reused[0]++;
                        if (bar != null) bar.stepTo(Math.min(layout.windows(), (long) done * shardWindows));
                    });
                }
                report(cache.layout(), reused[0], (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    private void report(TeacherCache.Layout l, int reused, double seconds) {
        long bytes = 0;
        for (int s = 0; s < l.shards(); s++) bytes += TeacherCache.shardFile(out, s).toFile().length();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("out", out.toString());
        o.put("windows", l.windows());
        o.put("seq_len", l.seqLen());
        o.put("top_k", l.topK());
        o.put("vocab", l.vocab());
        o.put("shards", l.shards());
        o.put("shards_reused", reused);
        o.put("bytes", bytes);
        o.put("seconds", seconds);
        if (output.json) Json.print(spec.commandLine().getOut(), o);
        else spec.commandLine().getOut().printf("cached the teacher's top %d of %d logits for %,d windows of %d tokens in %s (%,d bytes, %d shards reused) in %.1f s%n",
                l.topK(), l.vocab(), l.windows(), l.seqLen(), out, bytes, reused, seconds);
    }
}
