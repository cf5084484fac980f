package dev.pith.train.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.ModelConfig;
import dev.pith.model.hf.Safetensors;
import dev.pith.model.hf.SafetensorsWriter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA adapter in Hugging Face PEFT's layout: a folder with adapter_config.json (peft_type LORA,
 * r, lora_alpha, target_modules, base_model_name_or_path, …) and adapter_model.safetensors holding
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} (r × in) and
 * {@code ….lora_B.weight} (out × r) in float32. B of q and k is written in HF's rotate-half row
 * order (and read back into GGUF's), so PEFT applied to the HF export of the same base gives the
 * same model.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern NAME = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([AB])\\.weight");

    private PeftAdapter() {}

    public static void write(LoraAdapter adapter, ModelConfig c, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PithException(dir + ": cannot be created (" + e.getMessage() + ").", e);
        }
        SafetensorsWriter w = new SafetensorsWriter();
        for (LoraAdapter.Entry e : adapter.entries()) {
            float[] b = e.b();
            if (e.target().ropePermuted()) b = RopeRows.toHf(b, e.out(), e.rank(), e.target() == LoraTarget.Q ? c.heads() : c.kvHeads());
            String m = e.target().peftModule(e.layer());
            w.add(m + ".lora_A.weight", f32(m + ".lora_A.weight", e.a(), e.in(), e.rank()));
            w.add(m + ".lora_B.weight", f32(m + ".lora_B.weight", b, e.rank(), e.out()));
        }
        w.write(dir.resolve(WEIGHTS));
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", adapter.baseModel());
        cfg.put("r", adapter.rank());
        cfg.put("lora_alpha", adapter.alpha());
        cfg.put("lora_dropout", 0.0);
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("inference_mode", true);
        cfg.put("init_lora_weights", true);
        ArrayNode t = cfg.putArray("target_modules");
        for (LoraTarget target : adapter.targets()) t.add(target.hfModule());
        AtomicFile.write(dir.resolve(CONFIG), os -> os.write(JSON.writeValueAsBytes(cfg)));
    }

    static Tensor f32(String name, float[] v, int cols, int rows) {
        return new Tensor(name, DType.F32, new long[] {cols, rows}, MemorySegment.ofArray(v.clone()));
    }

    /** Reads a PEFT LoRA folder for a model of configuration c (shapes checked against it). */
    public static LoraAdapter read(Path dir, ModelConfig c, Path modelFile) {
        Path cfgFile = dir.resolve(CONFIG), weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) throw new PithException(dir + " is not a PEFT adapter folder (no " + CONFIG + ").");
        if (!Files.isRegularFile(weights)) throw new PithException(dir + " is not a PEFT adapter folder (no " + WEIGHTS + ").");
        JsonNode cfg;
        try {
            cfg = JSON.readTree(Files.readAllBytes(cfgFile));
        } catch (IOException e) {
            throw new PithException(cfgFile + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
        if ("ADALORA".equals(cfg.path("peft_type").asText())) return PeftAdaLora.read(dir, cfg, c, modelFile);
        if (!"LORA".equals(cfg.path("peft_type").asText()))
            throw new PithException(cfgFile + " describes a '" + cfg.path("peft_type").asText() + "' adapter; Pith reads LORA and ADALORA adapters.");
        if (cfg.path("fan_in_fan_out").asBoolean(false)) throw new PithException(cfgFile + " uses fan_in_fan_out, which Llama models never do.");
        int r = cfg.path("r").asInt(0);
        double alpha = cfg.path("lora_alpha").asDouble(0);
        if (r < 1 || !(alpha > 0)) throw new PithException(cfgFile + " needs a positive r and lora_alpha.");
        if (cfg.path("use_rslora").asBoolean(false)) alpha = alpha * Math.sqrt(r); // rsLoRA scales by α/√r = (α·√r)/r
        // entries sorted by layer and target so files with any tensor order read the same
        TreeMap<String, float[][]> pairs = new TreeMap<>();
        TreeMap<String, int[]> shapes = new TreeMap<>();
        try (Safetensors st = Safetensors.open(weights)) {
            for (var e : st.tensors().entrySet()) {
                Matcher m = NAME.matcher(e.getKey());
                if (!m.matches()) {
                    if (e.getKey().contains("lora_")) throw new PithException(weights + " holds '" + e.getKey() + "', which is not a LoRA weight of a Llama projection.");
                    continue;
                }
                LoraTarget t = LoraTarget.fromHfModule(m.group(3));
                if (t == null) throw new PithException(weights + " adapts '" + m.group(3) + "', which Pith cannot adapt (q/k/v/o/gate/up/down_proj).");
                String key = String.format("%05d.%d", Integer.parseInt(m.group(1)), t.ordinal());
                Tensor tensor = e.getValue();
                if (tensor.rank() != 2) throw new PithException(weights + ": " + e.getKey() + " is not a matrix.");
                float[] v = Dequantizer.dequantize(tensor);
                boolean isA = m.group(4).equals("A");
                pairs.computeIfAbsent(key, k -> new float[2][])[isA ? 0 : 1] = v;
                int[] s = shapes.computeIfAbsent(key, k -> new int[3]);
                if (isA) { s[0] = tensor.rows(); s[1] = tensor.cols(); } else s[2] = tensor.rows();
            }
        }
        List<LoraAdapter.Entry> entries = new ArrayList<>();
        for (var e : pairs.entrySet()) {
            int layer = Integer.parseInt(e.getKey().substring(0, 5));
            LoraTarget t = LoraTarget.values()[Integer.parseInt(e.getKey().substring(6))];
            float[][] ab = e.getValue();
            if (ab[0] == null || ab[1] == null) throw new PithException(weights + " has only one of lora_A and lora_B for layer " + layer + " " + t.hf + ".");
            int[] s = shapes.get(e.getKey());
            int rank = s[0], in = s[1], out = s[2];
            if (ab[1].length != out * rank) throw new PithException(weights + ": lora_B of layer " + layer + " " + t.hf + " does not have " + rank + " columns like its lora_A.");
            entries.add(new LoraAdapter.Entry(layer, t, rank, in, out, ab[0], ab[1]));
        }
        if (entries.isEmpty()) throw new PithException(weights + " holds no LoRA weights.");
        new LoraAdapter(alpha, "", entries).checkFits(c, dir, modelFile);
        // HF rotate-half rows of q and k back to GGUF's pairs
        List<LoraAdapter.Entry> gguf = new ArrayList<>();
        for (LoraAdapter.Entry e : entries) {
            float[] b = e.target().ropePermuted() ? RopeRows.toGguf(e.b(), e.out(), e.rank(), e.target() == LoraTarget.Q ? c.heads() : c.kvHeads()) : e.b();
            gguf.add(new LoraAdapter.Entry(e.layer(), e.target(), e.rank(), e.in(), e.out(), e.a(), b));
        }
        return new LoraAdapter(alpha, cfg.path("base_model_name_or_path").asText(""), gguf);
    }
}
