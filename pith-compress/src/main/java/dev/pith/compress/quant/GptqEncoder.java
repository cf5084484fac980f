package dev.pith.compress.quant;

import dev.pith.compress.gptq.Gptq;
import dev.pith.compress.gptq.Hessian;
import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;

import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * GPTQ for every matrix that has a calibration Hessian; the others (the embedding table of an
 * untied model, which multiplies nothing) go to the fallback encoder (round-to-nearest unless given).
 */
public final class GptqEncoder implements MatrixEncoder {
    private final Map<String, Hessian> hessians;
    private final Gptq gptq;
    private final MatrixEncoder fallback;

    public GptqEncoder(Map<String, Hessian> hessians, Gptq gptq) {
        this(hessians, gptq, new RtnEncoder());
    }

    /** {@code fallback} encodes the matrices without a Hessian (an importance-weighted embedding, say). */
    public GptqEncoder(Map<String, Hessian> hessians, Gptq gptq, MatrixEncoder fallback) {
        this.hessians = hessians;
        this.gptq = gptq;
        this.fallback = fallback;
    }

    @Override
    public void encode(Tensor src, DType target, MemorySegment dst) {
        Hessian h = hessians.get(src.name());
        if (h == null || h.size() != src.cols()) {
            fallback.encode(src, target, dst);
            return;
        }
        float[] w = Dequantizer.dequantize(src);
        Gptq.Result r = gptq.quantize(w, src.rows(), src.cols(), h.h(), target);
        MemorySegment.copy(MemorySegment.ofArray(r.bytes()), 0, dst, 0, r.bytes().length);
    }
}
