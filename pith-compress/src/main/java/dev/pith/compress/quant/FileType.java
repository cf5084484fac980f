package dev.pith.compress.quant;

import dev.pith.core.DType;
import dev.pith.core.PithException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The file types {@code pith quantize --type} accepts: llama.cpp's {@code enum llama_ftype} values
 * (the number written to {@code general.file_type}) with the tensor type each starts from
 * (llama_ftype_get_default_type). The K-quant names are llama.cpp's mixtures: the planner
 * ({@link TypePlanner}) gives some tensors more bits than the default, as llama-quantize does.
 * Plain {@code Q3_K}, {@code Q4_K}, {@code Q5_K} are accepted as the _M mixtures, as llama-quantize's own aliases are.
 */
public enum FileType {
    F32(0, DType.F32),
    F16(1, DType.F16),
    Q4_0(2, DType.Q4_0),
    Q4_1(3, DType.Q4_1),
    Q8_0(7, DType.Q8_0),
    Q5_0(8, DType.Q5_0),
    Q5_1(9, DType.Q5_1),
    Q2_K(10, DType.Q2_K),
    Q3_K_S(11, DType.Q3_K),
    Q3_K_M(12, DType.Q3_K),
    Q3_K_L(13, DType.Q3_K),
    Q4_K_S(14, DType.Q4_K),
    Q4_K_M(15, DType.Q4_K),
    Q5_K_S(16, DType.Q5_K),
    Q5_K_M(17, DType.Q5_K),
    Q6_K(18, DType.Q6_K),
    BF16(32, DType.BF16);

    private final int id;
    private final DType defaultType;

    FileType(int id, DType defaultType) {
        this.id = id;
        this.defaultType = defaultType;
    }

    /** llama.cpp's llama_ftype number, written to general.file_type. */
    public int id() { return id; }

    /** The tensor type most weights get (llama_ftype_get_default_type). */
    public DType defaultType() { return defaultType; }

    /** Parses a --type value, case-insensitively; Q3_K/Q4_K/Q5_K mean the _M mixtures as in llama-quantize. */
    public static FileType parse(String s) {
        String u = s.trim().toUpperCase(Locale.ROOT);
        switch (u) {
            case "Q3_K" -> { return Q3_K_M; }
            case "Q4_K" -> { return Q4_K_M; }
            case "Q5_K" -> { return Q5_K_M; }
            default -> { }
        }
        for (FileType t : values()) if (t.name().equals(u)) return t;
        throw new PithException("Unknown quantization type '" + s + "'; choose one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ".");
    }
}
