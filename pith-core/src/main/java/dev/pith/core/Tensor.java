package dev.pith.core;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A named n-dimensional array whose bytes live in a {@link MemorySegment}: on the heap, off-heap,
 * or mapped from a model file (then nothing is copied at load).
 *
 * <p>The shape is in ggml order: {@code shape[0]} is the fastest-varying dimension. A weight
 * matrix of {@code rows × cols} therefore has {@code shape = {cols, rows}}, and each of its rows is
 * {@code type.bytesFor(cols)} contiguous bytes.
 */
public final class Tensor {
    private final String name;
    private final DType type;
    private final long[] shape;
    private final MemorySegment data;
    /** What {@link #derived} made, once; null until then. */
    private volatile Object derived;

    public Tensor(String name, DType type, long[] shape, MemorySegment data) {
        this.name = name;
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long cols = shape.length == 0 ? 1 : shape[0];
        long count = elementCount(shape);
        long expected = cols == 0 ? 0 : type.bytesFor(cols) * (count / cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + " of type " + type + " and shape " + Arrays.toString(shape)
                    + " needs " + expected + " bytes but has " + data.byteSize());
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public String name() { return name; }
    public DType type() { return type; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    public MemorySegment data() { return data; }
    public long elementCount() { return elementCount(shape); }
    public long byteSize() { return data.byteSize(); }

    /** Length of one row (the fastest dimension). */
    public int cols() { return Math.toIntExact(shape.length == 0 ? 1 : shape[0]); }

    /** Number of rows: the product of every dimension but the fastest. */
    public int rows() { return Math.toIntExact(elementCount() / cols()); }

    /** Bytes of one row. */
    public long rowBytes() { return type.bytesFor(cols()); }

    /**
     * A kernel's own copy of this tensor's bytes (generation's repacked Q4_0 rows), made by
     * {@code make} on first use and kept for the tensor's lifetime; {@code make} may return any
     * marker for "no copy". One slot: one kernel layout per tensor. The copy does not follow later
     * writes, so a tensor's bytes must not change once it has been multiplied (weights never do;
     * a training step writes F32 tensors, which have no derived copy).
     */
    public Object derived(Function<Tensor, Object> make) {
        Object d = derived;
        if (d == null) {
            synchronized (this) {
                d = derived;
                if (d == null) derived = d = make.apply(this);
            }
        }
        return d;
    }

    /** The same bytes under another name. */
    public Tensor renamed(String newName) { return new Tensor(newName, type, shape, data); }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
