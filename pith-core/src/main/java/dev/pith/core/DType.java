package dev.pith.core;

/**
 * Element types of tensors, with ggml's numeric ids and block layouts so that files round-trip
 * with llama.cpp byte for byte. A quantized type stores {@link #blockSize()} weights in
 * {@link #blockBytes()} bytes; plain types have a block size of 1.
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2);

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The type's number in ggml's {@code enum ggml_type}, as stored in GGUF tensor infos. */
    public int ggmlId() { return ggmlId; }

    /** Number of weights one block holds (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Number of bytes one block takes. */
    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    /** Bytes taken by {@code n} consecutive elements; {@code n} must be a multiple of the block size. */
    public long bytesFor(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(n + " elements is not a whole number of " + this + " blocks of " + blockSize);
        }
        return n / blockSize * blockBytes;
    }

    /** Average bits per weight of this type. */
    public double bitsPerWeight() { return 8.0 * blockBytes / blockSize; }

    /** The type with this ggml id, or null when Pith does not know it. */
    public static DType fromGgmlId(int id) {
        for (DType t : values()) {
            if (t.ggmlId == id) return t;
        }
        return null;
    }

    /** Parses a type name case-insensitively ("q4_0", "F16", "bf16"). */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        throw new IllegalArgumentException("unknown tensor type '" + name + "'");
    }
}
