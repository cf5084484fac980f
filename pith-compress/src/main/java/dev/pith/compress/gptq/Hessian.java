package dev.pith.compress.gptq;

/** A layer-wise Hessian 2XᵀX/n: {@code size × size}, row-major, from {@code samples} calibration rows. */
public record Hessian(int size, double[] h, long samples) {}
