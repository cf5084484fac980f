package dev.pith.model.sparse;

/** Hands out a matrix one row at a time as floats (a dense array, or a mapped F32/F16 tensor). */
@FunctionalInterface
interface RowSource {
    void row(int r, float[] dst);
}
