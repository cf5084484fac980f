package dev.pith.compress.quant;

import dev.pith.compress.calib.CalibrationText;
import dev.pith.compress.gptq.Gptq;
import dev.pith.compress.gptq.HessianCollector;
import dev.pith.compress.gptq.SequentialGptq;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPTQ calibrated block by block against the whole-model pass: fed the original model's
 * activations, every block (and the tied output head) gets the same Hessians, so every tensor's
 * bytes are the same; fed the quantized blocks' outputs (GPTQ's sequential scheme), block 0, whose
 * input is the embedding either way, is still the same and later blocks differ. Quantized in stages
 * inside each block too ({@code withinBlock}), a block's later matrices get the Hessians of a run
 * whose earlier matrices are already quantized.
 */
class SequentialGptqTest {
    @TempDir static Path dir;
    static Path src;
    static List<int[]> chunks;

    @BeforeAll
    static void model() {
        src = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(src, 9);
        SplittableRandom rng = new SplittableRandom(3);
        chunks = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int[] t = new int[24];
            for (int i = 0; i < t.length; i++) t[i] = rng.nextInt(1, 512);
            chunks.add(t);
        }
    }

    @Test
    void withTheOriginalActivationsEveryTensorMatchesTheWholeModelPass() {
        compare(false, (whole, blocks) -> {
            for (Tensor t : whole.tensors().values()) assertThat(bytes(blocks.tensor(t.name()))).as(t.name()).isEqualTo(bytes(t));
        });
    }

    @Test
    void withTheQuantizedBlocksOutputsOnlyBlockZeroMatches() {
        compare(true, (whole, blocks) -> {
            for (String name : List.of("blk.0.attn_q.weight", "blk.0.ffn_down.weight"))
                assertThat(bytes(blocks.tensor(name))).as(name).isEqualTo(bytes(whole.tensor(name)));
            for (String name : List.of("blk.3.attn_q.weight", "blk.7.ffn_down.weight"))
                assertThat(bytes(blocks.tensor(name))).as(name).isNotEqualTo(bytes(whole.tensor(name)));
        });
    }

    @Test
    void withinBlockStagesSeeTheEarlierStagesQuantized() {
        try (Model m = Models.load(src)) {
            TypePlanner.Plan plan = ModelQuantizer.plan(m, FileType.Q4_0, List.of(), false);
            MatrixEncoder staged = new SequentialGptqEncoder(new SequentialGptq(m, chunks, plan.types(), Gptq.DEFAULT, true, true, b -> { }));
            try (Model blocks = ModelQuantizer.apply(m, FileType.Q4_0, plan, sequential(m, plan, true), n -> { });
                 Model stages = ModelQuantizer.apply(m, FileType.Q4_0, plan, staged, n -> { })) {
                // q/k/v are the first stage: the same Hessians as without stages.
                for (String name : List.of("blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"))
                    assertThat(bytes(stages.tensor(name))).as(name).isEqualTo(bytes(blocks.tensor(name)));
                for (String name : List.of("blk.0.attn_output.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight"))
                    assertThat(bytes(stages.tensor(name))).as(name).isNotEqualTo(bytes(blocks.tensor(name)));

                // attn_output's bytes are GPTQ's with the Hessian of the model whose block-0 q/k/v are the quantized ones.
                Map<String, Tensor> mixed = new LinkedHashMap<>(m.tensors());
                for (String name : List.of("blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight")) mixed.put(name, stages.tensor(name));
                Model withQkv = new Model(m.config(), mixed, m.tokenizer(), m.metadata(), m.source(), List.of());
                HessianCollector hc = new HessianCollector();
                CalibrationText.run(withQkv, chunks, hc, i -> { });
                Tensor o = m.tensor("blk.0.attn_output.weight");
                byte[] expected = Gptq.DEFAULT.quantize(Dequantizer.dequantize(o), o.rows(), o.cols(),
                        hc.takeHessians().get(o.name()).h(), plan.types().get(o.name())).bytes();
                assertThat(bytes(stages.tensor(o.name()))).isEqualTo(expected);
            }
        }
    }

    /** Quantizes the model to Q4_0 with whole-model GPTQ and with block-by-block GPTQ, and checks the two. */
    private static void compare(boolean propagate, java.util.function.BiConsumer<Model, Model> check) {
        try (Model m = Models.load(src)) {
            TypePlanner.Plan plan = ModelQuantizer.plan(m, FileType.Q4_0, List.of(), false);
            HessianCollector hc = new HessianCollector();
            CalibrationText.run(m, chunks, hc, i -> { });
            try (Model whole = ModelQuantizer.apply(m, FileType.Q4_0, plan, new GptqEncoder(hc.takeHessians(), Gptq.DEFAULT), n -> { });
                 Model blocks = ModelQuantizer.apply(m, FileType.Q4_0, plan, sequential(m, plan, propagate), n -> { })) {
                check.accept(whole, blocks);
            }
        }
    }

    private static MatrixEncoder sequential(Model m, TypePlanner.Plan plan, boolean propagate) {
        return new SequentialGptqEncoder(new SequentialGptq(m, chunks, plan.types(), Gptq.DEFAULT, propagate, b -> { }));
    }

    private static byte[] bytes(Tensor t) {
        MemorySegment d = t.data();
        return d.toArray(ValueLayout.JAVA_BYTE);
    }
}
