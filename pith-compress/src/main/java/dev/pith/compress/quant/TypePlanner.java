package dev.pith.compress.quant;

import dev.pith.core.DType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Chooses each tensor's type for a file type, as llama.cpp's quantizer does for the Llama
 * architecture (llama_tensor_get_type in src/llama-quant.cpp of llama.cpp v0.4.0, the version
 * node-llama-cpp 3.21.1 ships): which tensors may be quantized at all, the named mixtures' extra
 * bits for attn_v / ffn_down / attn_output / output, user overrides (--tensor-type, first
 * matching regex wins), and the fallback when a row is not a whole number of blocks.
 *
 * <p>The mixture rules count attn_v and ffn_down tensors in llama.cpp's tensor order (by layer
 * number, then by name), so the planner visits tensors in that order whatever order they come in.
 * Rules for architectures and sizes Pith does not load (Falcon, mixtures of experts, the 70B
 * special case, the IQ file types) are left out.
 */
public final class TypePlanner {
    /** One tensor as the planner sees it. */
    public record Input(String name, long[] shape, DType type) {}

    /** A --tensor-type override: tensors whose name contains a match of the regex get the type. */
    public record Override(Pattern pattern, DType type) {}

    /** The chosen types (same order as the inputs) and the fallback warnings, one sentence each. */
    public record Plan(Map<String, DType> types, List<String> warnings) {}

    private final FileType ftype;
    private final int layers;
    private final int gqa;
    private final List<Override> overrides;
    private final boolean imatrix;
    private int nAttnV, iAttnV, iFfnDown;
    private boolean tied = true;
    private final List<String> warnings = new ArrayList<>();

    private TypePlanner(FileType ftype, int layers, int gqa, List<Override> overrides, boolean imatrix) {
        this.ftype = ftype;
        this.imatrix = imatrix;
        this.layers = layers;
        this.gqa = gqa;
        this.overrides = overrides;
    }

    /**
     * Plans every tensor. {@code layers} is the block count, {@code gqa} the number of query heads
     * per key/value head (llama.cpp gives Q2_K's attn_v Q4_K instead of Q3_K when it is 4 or more);
     * {@code imatrix} whether an importance matrix is given (Q4_0/Q5_0 then protect the first ffn_down layers).
     */
    public static Plan plan(List<Input> tensors, FileType ftype, int layers, int gqa, List<Override> overrides, boolean imatrix) {
        TypePlanner p = new TypePlanner(ftype, layers, gqa, overrides, imatrix);
        List<Input> ordered = new ArrayList<>(tensors);
        ordered.sort(LLAMA_ORDER);
        for (Input t : ordered) {
            TensorCategory c = TensorCategory.of(t.name());
            if (c.isAttnV()) p.nAttnV++;
            if (c == TensorCategory.OUTPUT) p.tied = false;
        }
        Map<String, DType> chosen = new java.util.HashMap<>();
        for (Input t : ordered) chosen.put(t.name(), p.choose(t));
        Map<String, DType> inOrder = new LinkedHashMap<>();
        for (Input t : tensors) inOrder.put(t.name(), chosen.get(t.name()));
        return new Plan(inOrder, List.copyOf(p.warnings));
    }

    /** llama.cpp's weights_map order: layer number (-1 for tensors outside blocks), then name. */
    static final Comparator<Input> LLAMA_ORDER = Comparator.<Input>comparingInt(t -> layerOf(t.name())).thenComparing(Input::name);

    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int end = name.indexOf('.', 4);
        try {
            return Integer.parseInt(name.substring(4, end < 0 ? name.length() : end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** tensor_allows_quantization, for the names a Llama-family model can have. */
    static boolean allowsQuantization(Input t) {
        if (dims(t.shape()) < 2) return false;
        String n = t.name();
        if (!n.endsWith("weight")) return false;
        if (n.contains("_norm.weight")) return false;
        if (n.contains("ffn_gate_inp.weight")) return false;
        if (n.equals("position_embd.weight") || n.equals("token_types.weight")) return false;
        return true;
    }

    /** ggml_n_dims: trailing dimensions of 1 do not count. */
    private static int dims(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) n--;
        return Math.max(n, 1);
    }

    private DType choose(Input t) {
        if (!allowsQuantization(t)) return t.type();
        DType type = ftype.defaultType();
        if (!type.isQuantized()) return type;
        boolean manual = false;
        for (Override o : overrides) {
            if (o.pattern().matcher(t.name()).find()) {
                type = o.type();
                manual = true;
                break;
            }
        }
        if (!manual) type = mixture(type, t, TensorCategory.of(t.name()));
        return fallback(t, type);
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama_tensor_get_type_impl for the Llama architecture and the K/legacy file types. */
    private DType mixture(DType type, Input t, TensorCategory c) {
        long cols = t.shape()[0];
        if (c == TensorCategory.OUTPUT || (tied && c == TensorCategory.TOKEN_EMBD)) {
            if (cols % type.blockSize() != 0) return DType.Q8_0;
            return type != DType.Q8_0 ? DType.Q6_K : type;
        }
        if (c == TensorCategory.TOKEN_EMBD) return type;
        if (c.isAttnV()) {
            switch (ftype) {
                case Q2_K -> type = gqa >= 4 ? DType.Q4_K : DType.Q3_K;
                case Q3_K_M -> type = iAttnV < 2 ? DType.Q5_K : DType.Q4_K;
                case Q3_K_L -> type = DType.Q5_K;
                case Q4_K_M, Q5_K_M -> { if (useMoreBits(iAttnV, nAttnV)) type = DType.Q6_K; }
                case Q4_K_S -> { if (iAttnV < 4) type = DType.Q5_K; }
                default -> { }
            }
            iAttnV++;
            return type;
        }
        if (c == TensorCategory.FFN_DOWN) {
            int i = iFfnDown, n = layers;
            switch (ftype) {
                case Q2_K -> type = DType.Q3_K;
                case Q3_K_M -> type = i < n / 16 ? DType.Q5_K : DType.Q4_K;
                case Q3_K_L -> type = DType.Q5_K;
                case Q4_K_M, Q5_K_M -> { if (useMoreBits(i, n)) type = DType.Q6_K; }
                case Q4_K_S -> { if (i < n / 8) type = DType.Q5_K; }
                // with an imatrix, llama.cpp guards the first ffn_down layers of Q4_0/Q5_0 files with the _1 types
                case Q4_0 -> { if (imatrix && i < n / 8) type = DType.Q4_1; }
                case Q5_0 -> { if (imatrix && i < n / 8) type = DType.Q5_1; }
                default -> { }
            }
            iFfnDown++;
            return type;
        }
        if (c == TensorCategory.ATTENTION_OUTPUT) {
            return switch (ftype) {
                case Q2_K -> DType.Q3_K;
                case Q3_K_M -> DType.Q4_K;
                case Q3_K_L -> DType.Q5_K;
                default -> type;
            };
        }
        if (c == TensorCategory.ATTENTION_QKV) {
            return switch (ftype) {
                case Q3_K_M, Q3_K_L -> DType.Q4_K;
                case Q4_K_M -> DType.Q5_K;
                case Q5_K_M -> DType.Q6_K;
                default -> type;
            };
        }
        return type;
    }

    /** tensor_type_fallback: a K-quant whose block does not fit the row becomes a 32-block type, then F16. */
    private DType fallback(Input t, DType type) {
        long cols = t.shape()[0];
        DType to = fallbackType(type, cols);
        if (to != type) {
            warnings.add(t.name() + ": " + cols + " columns are not a multiple of " + type + "'s block of "
                    + type.blockSize() + "; falling back to " + to + " as llama.cpp does.");
        }
        return to;
    }

    /** The type a row of {@code cols} values gets when {@code type} is asked for (itself when its block fits). */
    static DType fallbackType(DType type, long cols) {
        if (cols % type.blockSize() == 0) return type;
        DType to = switch (type) {
            case Q2_K, Q3_K -> DType.Q4_0;
            case Q4_K -> DType.Q5_0;
            case Q5_K -> DType.Q5_1;
            case Q6_K -> DType.Q8_0;
            default -> type;
        };
        return cols % to.blockSize() == 0 ? to : DType.F16;
    }
}
