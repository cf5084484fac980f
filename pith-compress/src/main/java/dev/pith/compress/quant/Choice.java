package dev.pith.compress.quant;

import dev.pith.core.DType;

/**
 * One way to store one tensor under a size budget: its type (after llama.cpp's fallback for the
 * row width), the bytes the tensor then takes, and what that costs the model by the sensitivity
 * measure in use (lower is better; costs of different tensors are added).
 */
public record Choice(DType type, long bytes, double cost) {}
