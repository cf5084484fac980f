package dev.pith.model.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Hugging Face config.json for LlamaForCausalLM, MistralForCausalLM or Qwen2ForCausalLM, read
 * into a {@link ModelConfig} (GGUF architecture "llama" with adjacent-pair RoPE for Llama and
 * Mistral, "qwen2" with NeoX RoPE for Qwen2, as llama.cpp's converter decides) and written back.
 * Optional fields take transformers' defaults; missing required ones are a {@link PithException}.
 *
 * @param model          the architecture in Pith's terms
 * @param hfArchitecture the transformers class name, e.g. "LlamaForCausalLM"
 * @param torchDtype     "float32", "float16", "bfloat16", or null when the file does not say
 * @param bosTokenId     bos_token_id, or null
 * @param eosTokenIds    eos_token_id (one or several ids), empty when absent
 * @param attentionBias  q/k/v (and, for Llama, o) projections have biases
 */
public record HfConfig(ModelConfig model, String hfArchitecture, String torchDtype, Integer bosTokenId,
                       List<Integer> eosTokenIds, boolean attentionBias) {

    public HfConfig {
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    }

    private static final Map<String, String> ARCH_BY_CLASS = Map.of(
            "LlamaForCausalLM", "llama", "MistralForCausalLM", "llama", "Qwen2ForCausalLM", "qwen2");
    private static final Map<String, String> CLASS_BY_MODEL_TYPE = Map.of(
            "llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The GGUF architecture a transformers class converts to, or null when Pith does not read it. */
    public static String ggufArchitecture(String hfArchitecture) { return ARCH_BY_CLASS.get(hfArchitecture); }

    /** Reads and validates a config.json. */
    public static HfConfig read(Path configJson) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(configJson);
        } catch (NoSuchFileException e) {
            throw new PithException(configJson + ": no such file; a Hugging Face model folder needs a config.json.");
        } catch (IOException e) {
            throw new PithException(configJson + ": cannot be read (" + e.getMessage() + ").", e);
        }
        return parse(bytes, configJson);
    }

    /** Parses config.json bytes; {@code source} names the file in error messages. */
    public static HfConfig parse(byte[] json, Path source) {
        JsonNode root;
        try {
            root = SafetensorsHeader.STRICT_JSON.readTree(json);
        } catch (JacksonException e) {
            throw new PithException(source + ": is not valid JSON (" + e.getOriginalMessage() + ").", e);
        } catch (IOException e) {
            throw new PithException(source + ": cannot be parsed (" + e.getMessage() + ").", e);
        }
        if (root == null || !root.isObject()) throw new PithException(source + ": is not a JSON object.");
        return new Reader(root, source).read();
    }

    /** The config.json for a model: Llama/Mistral-family models become LlamaForCausalLM, qwen2 Qwen2ForCausalLM. */
    public static HfConfig of(ModelConfig m, String torchDtype, Integer bosTokenId, List<Integer> eosTokenIds, boolean attentionBias) {
        String cls = switch (m.architecture()) {
            case "llama", "mistral" -> "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> throw new PithException("a '" + m.architecture() + "' model has no Hugging Face config.json form Pith can write.");
        };
        return new HfConfig(m, cls, torchDtype, bosTokenId, eosTokenIds, attentionBias);
    }

    public void write(Path configJson) {
        String text = toJson(configJson);
        AtomicFile.write(configJson, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** config.json text as transformers writes it: sorted keys, two-space indent. */
    public String toJson(Path target) {
        ModelConfig m = model;
        boolean qwen = m.architecture().equals("qwen2");
        if (m.ropeDim() != m.headDim())
            throw new PithException(target + ": the model rotates " + m.ropeDim() + " of " + m.headDim()
                    + " head dimensions, which a " + hfArchitecture + " config.json cannot express.");
        if (qwen && m.headDim() * m.heads() != m.dim())
            throw new PithException(target + ": Qwen2 heads are hidden_size / num_attention_heads wide, but this model's are "
                    + m.headDim() + " wide.");
        Map<String, Object> j = new TreeMap<>();
        j.put("architectures", List.of(hfArchitecture));
        j.put("model_type", qwen ? "qwen2" : hfArchitecture.equals("MistralForCausalLM") ? "mistral" : "llama");
        j.put("attention_dropout", 0.0);
        j.put("bos_token_id", bosTokenId);
        j.put("eos_token_id", eosTokenIds.isEmpty() ? null : eosTokenIds.size() == 1 ? eosTokenIds.get(0) : eosTokenIds);
        j.put("hidden_act", "silu");
        j.put("hidden_size", m.dim());
        j.put("initializer_range", 0.02);
        if (m.ffnDims() != null)
            throw new dev.pith.core.PithException("a model with per-layer MLP widths " + m.ffnDims() + " cannot be written as a Hugging Face config (intermediate_size is one number); write GGUF.");
        j.put("intermediate_size", m.ffnDim());
        j.put("max_position_embeddings", m.contextLength());
        j.put("num_attention_heads", m.heads());
        j.put("num_hidden_layers", m.layers());
        j.put("num_key_value_heads", m.kvHeads());
        j.put("rms_norm_eps", exact(m.rmsEps()));
        j.put("rope_theta", exact(m.ropeTheta()));
        j.put("rope_scaling", ropeScaling(m.ropeScaling()));
        j.put("tie_word_embeddings", m.tiedEmbeddings());
        j.put("torch_dtype", torchDtype);
        j.put("use_cache", true);
        j.put("vocab_size", m.vocabSize());
        if (qwen) {
            if (!attentionBias) throw new PithException(target + ": Qwen2 always has q/k/v biases, but this model has none.");
            j.put("max_window_layers", m.layers());
            j.put("sliding_window", null);
            j.put("use_sliding_window", false);
        } else {
            j.put("attention_bias", attentionBias);
            j.put("head_dim", m.headDim());
            j.put("mlp_bias", false);
            j.put("pretraining_tp", 1);
        }
        try {
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                    .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            pp.indentArraysWith(DefaultPrettyPrinter.NopIndenter.instance);
            return JSON.writer(pp).writeValueAsString(j) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("a map of strings and numbers always serialises", e);
        }
    }

    private static Map<String, Object> ropeScaling(ModelConfig.RopeScaling s) {
        if (s == null) return null;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("factor", exact(s.factor()));
        r.put("high_freq_factor", exact(s.highFreqFactor()));
        r.put("low_freq_factor", exact(s.lowFreqFactor()));
        r.put("original_max_position_embeddings", s.originalContextLength());
        r.put("rope_type", "llama3");
        return r;
    }

    /** The decimal a float was read from (1e-5f becomes 1.0E-5, not 9.999999747378752E-6). */
    private static double exact(float f) { return Double.parseDouble(Float.toString(f)); }

    /** Field-by-field reading with one clear message per problem. */
    private record Reader(JsonNode root, Path source) {
        HfConfig read() {
            String cls = architectureClass();
            String arch = ARCH_BY_CLASS.get(cls);
            boolean qwen = arch.equals("qwen2");
            String act = optionalString("hidden_act");
            if (act != null && !act.equals("silu"))
                throw bad("hidden_act is '" + act + "', but Pith's Llama-family runtime uses SiLU only");
            if (bool("mlp_bias", false)) throw bad("mlp_bias is true, which Pith does not support");
            int dim = positiveInt("hidden_size", null);
            int ffn = positiveInt("intermediate_size", null);
            int layers = positiveInt("num_hidden_layers", null);
            int heads = positiveInt("num_attention_heads", null);
            int vocab = positiveInt("vocab_size", null);
            int kvHeads = positiveInt("num_key_value_heads", heads);
            if (heads % kvHeads != 0)
                throw bad("num_attention_heads (" + heads + ") is not a multiple of num_key_value_heads (" + kvHeads + ")");
            JsonNode hd = root.get("head_dim");
            int headDim = qwen || hd == null || hd.isNull() ? requireDivisible(dim, heads) : positiveInt("head_dim", null);
            if (headDim % 2 != 0) throw bad("head_dim is " + headDim + ", but rotary embeddings need an even head width");
            int ctx = positiveInt("max_position_embeddings", qwen ? 32768 : 2048);
            float eps = (float) positiveDouble(root, "rms_norm_eps", 1e-6);
            JsonNode ropeParams = root.get("rope_parameters");
            double theta = ropeParams != null && ropeParams.isObject() && ropeParams.has("rope_theta")
                    ? positiveDouble(ropeParams, "rope_theta", 10000.0)
                    : positiveDouble(root, "rope_theta", 10000.0);
            ModelConfig.RopeScaling scaling = ropeScaling(root.has("rope_scaling") ? root.get("rope_scaling") : ropeParams);
            boolean tied = bool("tie_word_embeddings", false);
            String dtype = optionalString("torch_dtype");
            if (dtype == null) dtype = optionalString("dtype");
            Integer bos = optionalTokenId(root.get("bos_token_id"), "bos_token_id");
            List<Integer> eos = eosIds(root.get("eos_token_id"));
            boolean bias = qwen || bool("attention_bias", false);
            ModelConfig m = new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, (float) theta,
                    headDim, qwen, scaling, tied);
            return new HfConfig(m, cls, dtype, bos, eos, bias);
        }

        private String architectureClass() {
            JsonNode a = root.get("architectures");
            if (a != null && a.isArray() && !a.isEmpty()) {
                if (a.size() != 1 || !a.get(0).isTextual()) throw bad("architectures must name exactly one model class");
                String cls = a.get(0).textValue();
                if (!ARCH_BY_CLASS.containsKey(cls))
                    throw bad("architectures is '" + cls + "'; Pith reads LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM");
                return cls;
            }
            String type = optionalString("model_type");
            if (type == null) throw bad("missing field 'architectures'");
            String cls = CLASS_BY_MODEL_TYPE.get(type);
            if (cls == null) throw bad("model_type is '" + type + "'; Pith reads llama, mistral and qwen2");
            return cls;
        }

        private int requireDivisible(int dim, int heads) {
            if (dim % heads != 0) throw bad("hidden_size (" + dim + ") is not a multiple of num_attention_heads (" + heads + ")");
            return dim / heads;
        }

        private ModelConfig.RopeScaling ropeScaling(JsonNode s) {
            if (s == null || s.isNull()) return null;
            if (!s.isObject()) throw bad("rope_scaling is not a JSON object");
            JsonNode t = s.has("rope_type") ? s.get("rope_type") : s.get("type");
            String type = t == null || t.isNull() ? "default" : t.asText();
            if (type.equals("default")) return null;
            if (!type.equals("llama3"))
                throw bad("rope_scaling type is '" + type + "'; Pith supports only 'llama3' rope scaling");
            float factor = (float) positiveDouble(s, "factor", 8.0);
            float low = (float) positiveDouble(s, "low_freq_factor", 1.0);
            float high = (float) positiveDouble(s, "high_freq_factor", 4.0);
            JsonNode orig = s.has("original_max_position_embeddings") ? s : root;
            int original = (int) positiveLong(orig, "original_max_position_embeddings", 8192L, Integer.MAX_VALUE);
            if (!(high > low)) throw bad("rope_scaling high_freq_factor (" + high + ") must exceed low_freq_factor (" + low + ")");
            return new ModelConfig.RopeScaling(factor, low, high, original);
        }

        private List<Integer> eosIds(JsonNode n) {
            List<Integer> ids = new ArrayList<>();
            if (n == null || n.isNull()) return ids;
            if (n.isArray()) {
                for (JsonNode e : n) ids.add(optionalTokenId(e, "eos_token_id"));
            } else {
                ids.add(optionalTokenId(n, "eos_token_id"));
            }
            return ids;
        }

        private Integer optionalTokenId(JsonNode n, String field) {
            if (n == null || n.isNull()) return null;
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0)
                throw bad(field + " must be a non-negative integer, not " + shown(n));
            return n.intValue();
        }

        private int positiveInt(String field, Integer fallback) {
            return (int) positiveLong(root, field, fallback == null ? null : (long) fallback, Integer.MAX_VALUE);
        }

        private long positiveLong(JsonNode obj, String field, Long fallback, long max) {
            JsonNode n = obj.get(field);
            if (n == null || n.isNull()) {
                if (fallback == null) throw bad("missing field '" + field + "'");
                return fallback;
            }
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() <= 0 || n.longValue() > max)
                throw bad("field '" + field + "' must be a positive integer, not " + shown(n));
            return n.longValue();
        }

        private double positiveDouble(JsonNode obj, String field, double fallback) {
            JsonNode n = obj.get(field);
            if (n == null || n.isNull()) return fallback;
            if (!n.isNumber() || !(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue()) || (float) n.doubleValue() == 0f
                    || Float.isInfinite((float) n.doubleValue()))
                throw bad("field '" + field + "' must be a positive number, not " + shown(n));
            return n.doubleValue();
        }

        private boolean bool(String field, boolean fallback) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return fallback;
            if (!n.isBoolean()) throw bad("field '" + field + "' must be true or false, not " + shown(n));
            return n.booleanValue();
        }

        private String optionalString(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return null;
            if (!n.isTextual()) throw bad("field '" + field + "' must be a string, not " + shown(n));
            return n.textValue();
        }

        private static String shown(JsonNode n) {
            String s = n.toString();
            return s.length() <= 40 ? s : s.substring(0, 40) + "…";
        }

        private PithException bad(String what) { return new PithException(source + ": " + what + "."); }
    }
}
