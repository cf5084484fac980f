package dev.pith.compress.quant;

import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import dev.pith.model.Models;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pith's quantizer against llama.cpp's (llama_model_quantize of the libllama.so node-llama-cpp
 * 3.21.1 ships, called by a small C program): for every file type, on stories260K (whose 64- and
 * 172-wide rows exercise the fallbacks) and on a random 256-wide model (real K-quant blocks and
 * the layer-dependent mixture rules), every tensor gets the same type and the same bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaCppQuantizeParityTest {
    @TempDir static Path dir;
    Path synthetic;

    @BeforeAll
    void setUp() throws Exception {
        LlamaQuantizeOracle.binary();
        synthetic = dir.resolve("synthetic.gguf");
        SyntheticLlama.write(synthetic, 7);
    }

    @ParameterizedTest
    @EnumSource(FileType.class)
    void storiesTypesAndBytesMatchLlamaCpp(FileType ftype) throws Exception {
        assertSameAsLlamaCpp(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"), ftype, List.of(), List.of());
    }

    @ParameterizedTest
    @EnumSource(FileType.class)
    void syntheticTypesAndBytesMatchLlamaCpp(FileType ftype) throws Exception {
        assertSameAsLlamaCpp(synthetic, ftype, List.of(), List.of());
    }

    @Test
    void tensorTypeOverridesMatchLlamaCpp() throws Exception {
        // first match wins, and an override skips the mixture rule but not the fallback
        List<TypePlanner.Override> ours = List.of(
                new TypePlanner.Override(Pattern.compile("blk\\.[0-3]\\.ffn_(up|down)"), dev.pith.core.DType.Q8_0),
                new TypePlanner.Override(Pattern.compile("attn_v"), dev.pith.core.DType.Q2_K),
                new TypePlanner.Override(Pattern.compile("ffn"), dev.pith.core.DType.Q5_1));
        List<String> theirs = List.of("blk\\.[0-3]\\.ffn_(up|down)=8", "attn_v=10", "ffn=7");
        assertSameAsLlamaCpp(synthetic, FileType.Q4_K_M, ours, theirs);
        assertSameAsLlamaCpp(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"), FileType.Q3_K_M, ours, theirs);
    }

    private void assertSameAsLlamaCpp(Path in, FileType ftype, List<TypePlanner.Override> ours, List<String> theirs) throws Exception {
        Path ref = dir.resolve("ref-" + ftype + ".gguf");
        Path mine = dir.resolve("pith-" + ftype + ".gguf");
        LlamaQuantizeOracle.quantize(in, ref, ftype, null, theirs);
        try (Model src = Models.load(in)) {
            TypePlanner.Plan plan = ModelQuantizer.plan(src, ftype, ours, false);
            try (Model q = ModelQuantizer.apply(src, ftype, plan, new RtnEncoder(), n -> { })) {
                ModelWriters.writeGguf(q, mine);
            }
        }
        assertSameTensors(ref, mine);
    }

    static void assertSameTensors(Path ref, Path mine) {
        try (GgufFile a = GgufFile.open(ref); GgufFile b = GgufFile.open(mine)) {
            assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
            assertThat(b.getLong("general.file_type", -1)).isEqualTo(a.getLong("general.file_type", -2));
            List<String> diffs = new ArrayList<>();
            for (Tensor t : a.tensors().values()) {
                Tensor u = b.tensor(t.name());
                if (u.type() != t.type()) diffs.add(t.name() + ": type " + u.type() + " instead of " + t.type());
                else if (t.data().mismatch(u.data()) != -1) diffs.add(t.name() + " (" + t.type() + "): bytes differ at " + t.data().mismatch(u.data()));
            }
            assertThat(diffs).as("tensors that differ from llama.cpp's %s", ref.getFileName()).isEmpty();
        }
    }
}
