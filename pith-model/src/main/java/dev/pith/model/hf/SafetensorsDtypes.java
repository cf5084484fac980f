package dev.pith.model.hf;

import dev.pith.core.DType;

import java.util.Set;

/** The safetensors dtype names Pith reads and writes, and the ones it knows but refuses. */
final class SafetensorsDtypes {
    private SafetensorsDtypes() {}

    /** Every dtype name the safetensors format defines; anything else is not a safetensors file. */
    static final Set<String> KNOWN = Set.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
            "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64");

    /** The Pith type for a safetensors dtype name, or null when Pith does not read it. */
    static DType toPith(String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> null;
        };
    }

    /** The safetensors name of a Pith type, or null when safetensors cannot hold it as Pith writes it. */
    static String toSafetensors(DType type) {
        return switch (type) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> null;
        };
    }

    /**
     * Rank of a dtype in the reference implementation's enum order; its writer lays tensors out by
     * descending rank, then by name, and Pith's writer does the same so files compare byte for byte.
     */
    static int layoutRank(DType type) {
        return switch (type) {
            case F32 -> 15;
            case BF16 -> 12;
            case F16 -> 11;
            default -> 0;
        };
    }

    /** The torch_dtype string of config.json for a Pith type. */
    static String torchDtype(DType type) {
        return switch (type) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> null;
        };
    }
}
