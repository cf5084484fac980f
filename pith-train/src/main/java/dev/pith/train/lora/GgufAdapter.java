package dev.pith.train.lora;

import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.ModelConfig;
import dev.pith.model.gguf.GgufFile;
import dev.pith.model.gguf.GgufValue;
import dev.pith.model.gguf.GgufWriter;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA adapter as llama.cpp loads it ({@code --lora FILE}, llama_adapter_lora_init): a GGUF with
 * general.type = "adapter", adapter.type = "lora", adapter.lora.alpha (float32) and the
 * model's general.architecture, and per adapted weight two tensors named after it,
 * {@code blk.N.attn_q.weight.lora_a} with ggml shape [in, r] (A as r rows of in) and
 * {@code ….lora_b} with shape [r, out] (B as out rows of r). llama.cpp checks exactly these
 * shapes against the base tensor and scales the update by α/r with r = lora_b's ne[0]. Rows are
 * in GGUF order already (Pith trains in it), so q and k need no permutation here.
 */
public final class GgufAdapter {
    private static final Pattern NAME = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight\\.lora_([ab])");

    private GgufAdapter() {}

    public static void write(LoraAdapter adapter, ModelConfig c, Path file) {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string(c.architecture()));
        w.put("general.type", GgufValue.string("adapter"));
        w.put("general.name", GgufValue.string("pith lora"));
        w.put("adapter.type", GgufValue.string("lora"));
        w.put("adapter.lora.alpha", GgufValue.f32((float) adapter.alpha()));
        if (adapter.baseModel() != null && !adapter.baseModel().isEmpty()) w.put("general.base_model.0.name", GgufValue.string(adapter.baseModel()));
        for (LoraAdapter.Entry e : adapter.entries()) {
            String n = e.weight();
            w.add(new Tensor(n + ".lora_a", DType.F32, new long[] {e.in(), e.rank()}, MemorySegment.ofArray(e.a().clone())));
            w.add(new Tensor(n + ".lora_b", DType.F32, new long[] {e.rank(), e.out()}, MemorySegment.ofArray(e.b().clone())));
        }
        w.write(file);
    }

    public static LoraAdapter read(Path file, ModelConfig c, Path modelFile) {
        try (GgufFile g = GgufFile.open(file)) {
            if (!"adapter".equals(g.has("general.type") ? g.getString("general.type") : null)
                    || !"lora".equals(g.has("adapter.type") ? g.getString("adapter.type") : null))
                throw new PithException(file + " is not a GGUF LoRA adapter (general.type must be 'adapter' and adapter.type 'lora').");
            String arch = g.has("general.architecture") ? g.getString("general.architecture") : "";
            if (!arch.equals(c.architecture()))
                throw new PithException(file + " is an adapter for the '" + arch + "' architecture, but " + modelFile + " is '" + c.architecture() + "'.");
            double alpha = g.getDouble("adapter.lora.alpha", 0);
            TreeMap<String, Tensor[]> pairs = new TreeMap<>();
            for (var e : g.tensors().entrySet()) {
                Matcher m = NAME.matcher(e.getKey());
                LoraTarget t = m.matches() ? LoraTarget.fromGguf(m.group(2)) : null;
                if (t == null) throw new PithException(file + " holds '" + e.getKey() + "', which is not a LoRA weight of a Llama projection.");
                String key = String.format("%05d.%d", Integer.parseInt(m.group(1)), t.ordinal());
                pairs.computeIfAbsent(key, k -> new Tensor[2])[m.group(3).equals("a") ? 0 : 1] = e.getValue();
            }
            List<LoraAdapter.Entry> entries = new ArrayList<>();
            for (var e : pairs.entrySet()) {
                int layer = Integer.parseInt(e.getKey().substring(0, 5));
                LoraTarget t = LoraTarget.values()[Integer.parseInt(e.getKey().substring(6))];
                Tensor a = e.getValue()[0], b = e.getValue()[1];
                if (a == null || b == null) throw new PithException(file + " has only one of lora_a and lora_b for " + t.weight(layer) + ".");
                int rank = a.rows(), in = a.cols(), out = b.rows();
                if (b.cols() != rank) throw new PithException(file + ": " + t.weight(layer) + ".lora_b has " + b.cols() + " columns where lora_a has rank " + rank + ".");
                entries.add(new LoraAdapter.Entry(layer, t, rank, in, out, Dequantizer.dequantize(a), Dequantizer.dequantize(b)));
            }
            if (entries.isEmpty()) throw new PithException(file + " holds no LoRA weights.");
            // llama.cpp treats alpha 0 (or absent) as "scale 1", and so does LoraAdapter.Entry.scale
            if (!(alpha > 0)) alpha = 0;
            LoraAdapter adapter = new LoraAdapter(alpha, "", entries);
            adapter.checkFits(c, file, modelFile);
            return adapter;
        }
    }

    /** Reads a PEFT folder or a GGUF adapter file, whichever {@code path} is. */
    public static LoraAdapter readAny(Path path, ModelConfig c, Path modelFile) {
        if (java.nio.file.Files.isDirectory(path)) return PeftAdapter.read(path, c, modelFile);
        if (!java.nio.file.Files.isRegularFile(path)) throw new PithException(path + ": no such adapter (a PEFT folder or a GGUF LoRA file).");
        return read(path, c, modelFile);
    }
}
