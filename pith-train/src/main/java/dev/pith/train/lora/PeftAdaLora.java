package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.ModelConfig;
import dev.pith.model.hf.Safetensors;
import dev.pith.model.hf.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AdaLoRA adapter in PEFT's saved layout: adapter_config.json with peft_type ADALORA, init_r,
 * target_r, the schedule (tinit, tfinal, deltaT, beta1, beta2, orth_reg_weight, total_step) and
 * rank_pattern ({@code "model.layers.N.self_attn.q_proj.lora_E": [true, false, …]}, one flag per
 * initial triplet); adapter_model.safetensors with, per projection, only the kept triplets:
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A} (k × in), {@code ….lora_E}
 * (k × 1) and {@code ….lora_B} (out × k) — no ".weight", since PEFT keeps them in ParameterDicts.
 * PEFT loads it by resizing each module to the pattern and keeps ranknum = init_r, so the update is
 * lora_alpha/(init_r + 1e-5)·B·diag(E)·A. lora_B of q and k is in HF's rotate-half row order.
 */
public final class PeftAdaLora {
    private static final Pattern NAME = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([ABE])");

    private PeftAdaLora() {}

    public static void write(AdaLoraAdapter adapter, ModelConfig c, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PithException(dir + ": cannot be created (" + e.getMessage() + ").", e);
        }
        AdaLoraConfig ac = adapter.config();
        SafetensorsWriter w = new SafetensorsWriter();
        ObjectNode cfg = PeftAdapter.JSON.createObjectNode();
        ObjectNode pattern = PeftAdapter.JSON.createObjectNode();
        for (AdaLoraAdapter.Entry e : adapter.entries()) {
            String m = e.target().peftModule(e.layer());
            ArrayNode flags = pattern.putArray("model.layers." + e.layer() + "." + e.target().hf + ".lora_E");
            for (boolean k : e.keep()) flags.add(k);
            int[] kept = e.kept();
            int r = kept.length;
            if (r == 0) continue; // PEFT resizes the module to rank 0 and expects no tensors
            float[] a = new float[r * e.in()], lambda = new float[r], b = new float[e.out() * r];
            for (int j = 0; j < r; j++) {
                System.arraycopy(e.a(), kept[j] * e.in(), a, j * e.in(), e.in());
                lambda[j] = e.e()[kept[j]];
                for (int o = 0; o < e.out(); o++) b[o * r + j] = e.b()[o * e.rank() + kept[j]];
            }
            if (e.target().ropePermuted()) b = RopeRows.toHf(b, e.out(), r, e.target() == LoraTarget.Q ? c.heads() : c.kvHeads());
            w.add(m + ".lora_A", PeftAdapter.f32(m + ".lora_A", a, e.in(), r));
            w.add(m + ".lora_E", PeftAdapter.f32(m + ".lora_E", lambda, 1, r));
            w.add(m + ".lora_B", PeftAdapter.f32(m + ".lora_B", b, r, e.out()));
        }
        w.write(dir.resolve(PeftAdapter.WEIGHTS));
        cfg.put("peft_type", "ADALORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", adapter.baseModel());
        cfg.put("init_r", ac.initRank());
        cfg.put("target_r", ac.targetRank());
        cfg.put("lora_alpha", ac.alpha());
        cfg.put("lora_dropout", ac.dropout());
        cfg.put("tinit", ac.tinit());
        cfg.put("tfinal", ac.tfinal());
        cfg.put("deltaT", ac.deltaT());
        cfg.put("beta1", ac.beta1());
        cfg.put("beta2", ac.beta2());
        cfg.put("orth_reg_weight", ac.orthRegWeight());
        cfg.put("total_step", ac.totalSteps());
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        ArrayNode t = cfg.putArray("target_modules");
        for (LoraTarget target : LoraTarget.values()) if (ac.targets().contains(target)) t.add(target.hfModule());
        cfg.set("rank_pattern", pattern);
        AtomicFile.write(dir.resolve(PeftAdapter.CONFIG), os -> os.write(PeftAdapter.JSON.writeValueAsBytes(cfg)));
    }

    /** Reads a PEFT ADALORA folder (config already parsed) as the equivalent plain LoRA adapter. */
    static LoraAdapter read(Path dir, JsonNode cfg, ModelConfig c, Path modelFile) {
        Path cfgFile = dir.resolve(PeftAdapter.CONFIG), weights = dir.resolve(PeftAdapter.WEIGHTS);
        int initR = cfg.path("init_r").asInt(12); // PEFT's default
        double alpha = cfg.path("lora_alpha").asDouble(8); // PEFT's default
        if (initR < 1) throw new PithException(cfgFile + " needs a positive init_r.");
        if (!(alpha > 0)) alpha = initR; // PEFT: scaling = lora_alpha if > 0 else r
        if (cfg.path("fan_in_fan_out").asBoolean(false)) throw new PithException(cfgFile + " uses fan_in_fan_out, which Llama models never do.");
        JsonNode pattern = cfg.path("rank_pattern");
        TreeMap<String, float[][]> parts = new TreeMap<>();
        TreeMap<String, int[]> shapes = new TreeMap<>();
        try (Safetensors st = Safetensors.open(weights)) {
            for (var e : st.tensors().entrySet()) {
                Matcher m = NAME.matcher(e.getKey());
                if (!m.matches()) {
                    if (e.getKey().contains("lora_")) throw new PithException(weights + " holds '" + e.getKey() + "', which is not an AdaLoRA weight of a Llama projection.");
                    continue;
                }
                LoraTarget t = LoraTarget.fromHfModule(m.group(3));
                if (t == null) throw new PithException(weights + " adapts '" + m.group(3) + "', which Pith cannot adapt (q/k/v/o/gate/up/down_proj).");
                Tensor tensor = e.getValue();
                if (tensor.rank() > 2) throw new PithException(weights + ": " + e.getKey() + " is not a matrix.");
                String key = String.format("%05d.%d", Integer.parseInt(m.group(1)), t.ordinal());
                int which = "AEB".indexOf(m.group(4));
                parts.computeIfAbsent(key, k -> new float[3][])[which] = Dequantizer.dequantize(tensor);
                int[] s = shapes.computeIfAbsent(key, k -> new int[3]);
                if (which == 0) { s[0] = tensor.rows(); s[1] = tensor.cols(); }
                if (which == 2) s[2] = tensor.rows();
            }
        }
        List<AdaLoraAdapter.Entry> entries = new ArrayList<>();
        for (var e : parts.entrySet()) {
            int layer = Integer.parseInt(e.getKey().substring(0, 5));
            LoraTarget t = LoraTarget.values()[Integer.parseInt(e.getKey().substring(6))];
            float[][] aeb = e.getValue();
            if (aeb[0] == null || aeb[1] == null || aeb[2] == null)
                throw new PithException(weights + " lacks one of lora_A, lora_E and lora_B for layer " + layer + " " + t.hf + ".");
            int[] s = shapes.get(e.getKey());
            int rank = s[0], in = s[1], out = s[2];
            if (aeb[1].length != rank || aeb[2].length != out * rank)
                throw new PithException(weights + ": lora_E and lora_B of layer " + layer + " " + t.hf + " do not have the " + rank + " triplets of its lora_A.");
            boolean[] keep = keepFlags(pattern.path("model.layers." + layer + "." + t.hf + ".lora_E"), rank);
            float[] b = t.ropePermuted() ? RopeRows.toGguf(aeb[2], out, rank, t == LoraTarget.Q ? c.heads() : c.kvHeads()) : aeb[2];
            entries.add(new AdaLoraAdapter.Entry(layer, t, rank, in, out, aeb[0], aeb[1], b, keep));
        }
        if (entries.isEmpty()) throw new PithException(weights + " holds no AdaLoRA weights.");
        LoraAdapter lora = AdaLoraAdapter.fold(entries, alpha / (initR + 1e-5), cfg.path("base_model_name_or_path").asText(""));
        lora.checkFits(c, dir, modelFile);
        return lora;
    }

    /**
     * The triplets to use of a tensor with {@code rank} rows: all of them when the file was saved
     * resized (PEFT's usual way: rows = kept triplets), or the pattern's when it holds all init_r rows.
     */
    private static boolean[] keepFlags(JsonNode flags, int rank) {
        boolean[] keep = new boolean[rank];
        java.util.Arrays.fill(keep, true);
        if (flags.isArray() && flags.size() == rank) {
            int kept = 0;
            for (JsonNode f : flags) if (f.asBoolean()) kept++;
            if (kept < rank) for (int k = 0; k < rank; k++) keep[k] = flags.get(k).asBoolean();
        }
        return keep;
    }
}
