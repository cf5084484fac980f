package dev.pith.compress.prune;

/** How many weights of one matrix are zero after pruning. */
public record TensorSparsity(String name, int rows, int cols, long zeros) {
    public double sparsity() { return (double) zeros / ((long) rows * cols); }
}
