package dev.pith.compress.quant;

import dev.pith.compress.gptq.SequentialGptq;
import dev.pith.core.DType;
import dev.pith.core.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * GPTQ with block-by-block calibration ({@link SequentialGptq}) as a file's encoder: tensors are
 * taken block by block (the output head after the last block, as its Hessian comes from there),
 * and what GPTQ has no Hessian for goes to the fallback encoder (round to nearest unless given).
 */
public final class SequentialGptqEncoder implements MatrixEncoder {
    private final SequentialGptq gptq;
    private final MatrixEncoder fallback;

    public SequentialGptqEncoder(SequentialGptq gptq) {
        this(gptq, new RtnEncoder());
    }

    public SequentialGptqEncoder(SequentialGptq gptq, MatrixEncoder fallback) {
        this.gptq = gptq;
        this.fallback = fallback;
    }

    @Override
    public List<Tensor> order(List<Tensor> tensors) {
        List<Tensor> out = new ArrayList<>(tensors);
        // blocks in order, every other tensor after the last block (a stable sort keeps the rest as they were)
        out.sort(Comparator.comparingInt(t -> {
            int b = SequentialGptq.blockOf(t.name());
            return b >= 0 ? b : Integer.MAX_VALUE;
        }));
        return out;
    }

    @Override
    public void encode(Tensor src, DType target, MemorySegment dst) {
        byte[] b = gptq.take(src.name());
        if (b == null) fallback.encode(src, target, dst);
        else MemorySegment.copy(MemorySegment.ofArray(b), 0, dst, 0, b.length);
    }
}
