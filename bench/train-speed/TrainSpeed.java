import dev.pith.core.Parallel;
import dev.pith.model.ModelConfig;
import dev.pith.train.AdamW;
import dev.pith.train.GradClip;
import dev.pith.train.LlamaTrainModel;
import dev.pith.train.Presets;
import dev.pith.train.Rng;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Training tokens/s of Pith's engine on one configuration: full optimizer steps (zero grads,
 * forward, cross-entropy, backward, clip, AdamW) on random tokens, the same work per step as
 * bench/train-speed/torch_speed.py. Prints one JSON line per timed step, then peak RSS.
 * Usage: java ... TrainSpeed.java CONFIG THREADS STEPS [recompute] [auto|ops|batch]
 *   CONFIG a = nanoGPT shakespeare-char shape (4×128, 4 heads, ffn 352, vocab 65, block 64, batch 12)
 *   CONFIG b = 6×384 Llama, 6 heads, ffn 1024, vocab 4096, block 256, batch 8
 */
public class TrainSpeed {
    public static void main(String[] args) throws Exception {
        String cfg = args[0];
        int threads = Integer.parseInt(args[1]), steps = Integer.parseInt(args[2]);
        java.util.List<String> opts = java.util.Arrays.asList(args).subList(3, args.length);
        boolean recompute = opts.contains("recompute");
        LlamaTrainModel.Parallelism par = opts.contains("batch") ? LlamaTrainModel.Parallelism.BATCH
                : opts.contains("ops") ? LlamaTrainModel.Parallelism.OPS : LlamaTrainModel.Parallelism.AUTO;
        Parallel.setThreads(threads);
        ModelConfig c = cfg.equals("a") ? Presets.preset("nanogpt-char", 65) : Presets.preset("small", 4096);
        int batch = cfg.equals("a") ? 12 : 8, seq = cfg.equals("a") ? 64 : 256;
        LlamaTrainModel model = new LlamaTrainModel(c);
        model.setRecompute(recompute);
        model.setParallelism(par);
        model.initialize(new Rng(1));
        AdamW adam = new AdamW(model.trainableParams(), 0.9, 0.99, 1e-8, 0.1);
        Rng rng = new Rng(2);
        int n = batch * seq;
        int[] in = new int[n], tg = new int[n];
        // CPU seconds of the whole process per step (every thread, JIT and GC included): on a machine
        // shared with other work, wall time says how much CPU the scheduler gave, this what the step cost
        var cpu = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < n; i++) {
                in[i] = (int) rng.nextLong(c.vocabSize());
                tg[i] = (int) rng.nextLong(c.vocabSize());
            }
            long t0 = System.nanoTime(), c0 = cpu.getProcessCpuTime();
            model.zeroGrad();
            double loss = model.forwardBackward(in, tg, batch, seq, 1f);
            GradClip.clip(model.trainableParams(), 1.0);
            adam.step(1e-3);
            double sec = (System.nanoTime() - t0) / 1e9, cpuSec = (cpu.getProcessCpuTime() - c0) / 1e9;
            System.out.printf("{\"engine\":\"pith\",\"config\":\"%s\",\"parallel\":\"%s\",\"step\":%d,\"seconds\":%.5f,\"cpu_seconds\":%.5f,\"tokens_per_s\":%.1f,\"loss\":%.4f}%n",
                    cfg, model.batchParallel(batch, seq) ? "batch" : "ops", s, sec, cpuSec, n / sec, loss);
        }
        // live heap after a full collection: parameters, gradients, optimizer moments and the saved
        // activations the model keeps between steps (what recomputation shrinks), without GC slack
        System.gc();
        long live = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
        System.out.printf("{\"engine\":\"pith\",\"config\":\"%s\",\"peak_rss_mb\":%.1f,\"live_heap_mb\":%.1f,\"recompute\":%s,\"params\":%d}%n",
                cfg, hwm / 1024.0, live / 1048576.0, recompute, model.parameterCount());
    }
}
