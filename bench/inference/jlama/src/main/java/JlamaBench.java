import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;

import java.io.File;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Jlama's prompt and generation speed, timed the way `pith bench` times Pith's: from an empty KV
 * cache, the prompt as one batch (the model's last-position logits included), then greedy tokens one
 * at a time (forward pass and output head each). Random ordinary token ids, as pith bench uses, so
 * no tokenizer path is timed. One untimed warm-up, then the median of the timed repeats.
 *
 * Usage: JlamaBench MODEL_DIR WORKING_QUANT(I8|F32) PROMPT_TOKENS GEN_TOKENS THREADS REPEATS
 * Prints one JSON object with prompt_tokens_per_second, gen_tokens_per_second and load_seconds.
 * JlamaBench quantize IN_DIR OUT_DIR TYPE(Q4|I8) writes Jlama's own quantized copy of a model
 * (embeddings and norms kept, as Jlama's quantize command does).
 */
public final class JlamaBench {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("quantize")) {
            com.github.tjake.jlama.safetensors.SafeTensorSupport.quantizeModel(java.nio.file.Path.of(a[1]),
                    DType.valueOf(a[3]), a.length > 4 && a[4].equals("all") ? new String[0] : new String[]{"model.embed_tokens.weight", "lm_head.weight"}, new String[0],
                    java.util.Optional.of(java.nio.file.Path.of(a[2])));
            System.exit(0);
        }
        File dir = new File(a[0]);
        DType working = DType.valueOf(a[1]);
        int promptTokens = Integer.parseInt(a[2]), genTokens = Integer.parseInt(a[3]);
        int threads = Integer.parseInt(a[4]), repeats = Integer.parseInt(a[5]);
        PhysicalCoreExecutor.overrideThreadCount(threads);

        long t0 = System.nanoTime();
        AbstractModel m = ModelSupport.loadModel(dir, DType.F32, working);
        double load = (System.nanoTime() - t0) / 1e9;

        int vocab = m.getConfig().vocabularySize;
        int[] prompt = new int[promptTokens];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < promptTokens; i++) prompt[i] = 260 + r.nextInt(Math.min(vocab, 32000) - 260);

        once(m, prompt, genTokens, vocab);
        double[] pp = new double[repeats], tg = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            double[] x = once(m, prompt, genTokens, vocab);
            pp[i] = x[0];
            tg[i] = x[1];
        }
        System.out.printf("{\"engine\":\"jlama\",\"prompt_tokens_per_second\":%.3f,\"gen_tokens_per_second\":%.3f,"
                + "\"load_seconds\":%.3f,\"threads\":%d,\"working_type\":\"%s\"}%n",
                median(pp), median(tg), load, threads, working);
        System.exit(0);   // Jlama's worker threads are not daemons
    }

    private static double[] once(AbstractModel m, int[] prompt, int genTokens, int vocab) {
        try (KvBufferCache cache = new KvBufferCache(m)) {
            KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
            AbstractTensor logits = m.makeDenseTensor(vocab);
            long a = System.nanoTime();
            AbstractTensor out = m.batchForward(prompt, 0, kv);
            int next = m.sample(out.slice(out.shape().first() - 1), 0f, 0f, logits);
            long b = System.nanoTime();
            for (int i = 0; i < genTokens; i++) {
                AbstractTensor h = m.forward(next, prompt.length + i, kv, java.util.Optional.empty());
                next = m.sample(h, 0f, 0f, logits);
            }
            long c = System.nanoTime();
            return new double[]{prompt.length / ((b - a) / 1e9), genTokens / ((c - b) / 1e9)};
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
