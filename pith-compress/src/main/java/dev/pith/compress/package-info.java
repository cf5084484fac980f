/**
 * Making a trained model smaller without training it from scratch: calibration statistics from a
 * forward pass over sample text, quantizers that pick per-tensor types and values, and pruners
 * that remove weights, neurons, heads or whole layers.
 */
package dev.pith.compress;
