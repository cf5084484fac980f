package dev.pith.model.sparse;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * An N:M (semi-structured) pruned matrix: every group of M consecutive weights of a row keeps at
 * most N, stored as exactly N values per group (a group with fewer non-zeros is padded with zeros)
 * plus each value's position inside its group in one byte. 5 bytes per kept weight instead of CSR's
 * 8: a 2:4 matrix takes 0.625 of its dense F32 bytes. Column numbers are decoded per row
 * (group × M + position) into a scratch array, which costs a few integer operations per value.
 */
public final class NmMatrix implements SparseWeight {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    // Bytes species with as many lanes as the int species (a quarter of its width); none below
    // 64 bits, where the decoding loop stays scalar.
    private static final VectorSpecies<Byte> B = I.vectorBitSize() >= 256
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(I.vectorBitSize() / 4)) : null;
    private final int rows, cols, n, m, perRow;
    private final float[] values;   // rows × perRow
    private final byte[] position;  // in-group position of each value, 0 .. m-1
    private final int[] groupStart; // column where the group of a row's value i begins: (i / n) * m, the same for every row

    private NmMatrix(int rows, int cols, int n, int m, float[] values, byte[] position) {
        this.rows = rows;
        this.cols = cols;
        this.n = n;
        this.m = m;
        this.perRow = cols / m * n;
        this.values = values;
        this.position = position;
        this.groupStart = new int[perRow];
        for (int i = 0; i < perRow; i++) groupStart[i] = i / n * m;
    }

    /** The N:M form of a dense rows × cols matrix (row-major) that obeys the pattern. */
    public static NmMatrix of(float[] dense, int rows, int cols, int n, int m) {
        return of((r, row) -> System.arraycopy(dense, r * cols, row, 0, cols), rows, cols, n, m);
    }

    static NmMatrix of(RowSource src, int rows, int cols, int n, int m) {
        if (n < 1 || n > m || m > 127 || cols % m != 0)
            throw new IllegalArgumentException("pattern " + n + ":" + m + " does not fit rows of " + cols);
        int perRow = cols / m * n;
        float[] val = new float[Math.multiplyExact(rows, perRow)];
        byte[] pos = new byte[val.length];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            src.row(r, row);
            int k = r * perRow;
            for (int g = 0; g < cols; g += m) {
                int kept = 0;
                for (int i = 0; i < m; i++) {
                    if (row[g + i] == 0) continue;
                    if (kept == n) throw new IllegalArgumentException("row " + r + " keeps more than " + n + " of " + m + " at column " + g);
                    val[k + kept] = row[g + i];
                    pos[k + kept++] = (byte) i;
                }
                // Padding points at distinct unused slots so every column number stays in range.
                for (int i = 0; kept < n; i++) {
                    if (row[g + i] != 0) continue;
                    pos[k + kept++] = (byte) i;
                }
                k += n;
            }
        }
        return new NmMatrix(rows, cols, n, m, val, pos);
    }

    public int n() { return n; }
    public int m() { return m; }

    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public int nonZeros() { return values.length; }
    @Override public long byteSize() { return 5L * values.length + 4L * groupStart.length; }
    @Override public float[] values() { return values; }
    @Override public int rowStart(int r) { return r * perRow; }
    @Override public int rowEnd(int r) { return (r + 1) * perRow; }
    @Override public int columnOffset(int r) { return 0; }
    @Override public int maxRowLength() { return perRow; }

    @Override
    public int[] columns(int r, int[] scratch) {
        // Vector code: widen a vector's worth of byte positions to ints and add the group starts.
        int k = r * perRow, i = 0;
        for (; B != null && i + I.length() <= perRow; i += I.length()) {
            IntVector p = (IntVector) ByteVector.fromArray(B, position, k + i).convertShape(VectorOperators.B2I, I, 0);
            p.add(IntVector.fromArray(I, groupStart, i)).intoArray(scratch, i);
        }
        for (; i < perRow; i++) scratch[i] = groupStart[i] + position[k + i];
        return scratch;
    }
}
