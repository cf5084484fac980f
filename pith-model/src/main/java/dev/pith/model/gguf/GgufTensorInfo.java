package dev.pith.model.gguf;

import dev.pith.core.DType;

/** A tensor's entry in a GGUF header: shape in ggml order, type, and offset in the data section. */
public record GgufTensorInfo(String name, long[] shape, DType type, long offset) {
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteSize() {
        return type.bytesFor(shape.length == 0 ? 1 : shape[0]) * (shape.length == 0 || shape[0] == 0 ? 1 : elementCount() / shape[0]);
    }
}
