package dev.pith.model.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-quantizing the F32 fixture's weights gives, byte for byte, the blocks llama-quantize wrote
 * into the --pure and mixture files (made without an importance matrix, so llama.cpp used its
 * reference quantizers for every type).
 */
class QuantizerFixtureTest {
    static final Path DIR = DequantFixtureTest.DIR;

    @ParameterizedTest
    @ValueSource(strings = {"pure-Q8_0", "pure-Q4_0", "pure-Q4_1", "pure-Q5_0", "pure-Q5_1", "pure-Q2_K", "pure-Q3_K_M",
            "pure-Q4_K_M", "pure-Q5_K_M", "pure-Q6_K", "mix-Q2_K", "mix-Q3_K_S", "mix-Q3_K_M", "mix-Q3_K_L", "mix-Q4_0",
            "mix-Q4_K_S", "mix-Q4_K_M", "mix-Q5_K_S", "mix-Q5_K_M", "mix-Q6_K", "mix-Q8_0"})
    void requantizedF32WeightsEqualLlamaQuantizeBytes(String tag) {
        Set<DType> seen = EnumSet.noneOf(DType.class);
        try (GgufFile f32 = GgufFile.open(DIR.resolve("fixture-tiny-f32.gguf"));
             GgufFile quant = GgufFile.open(DIR.resolve("fixture-tiny-" + tag + ".gguf"))) {
            for (Tensor want : quant.tensors().values()) {
                DType type = want.type();
                if (!type.isQuantized()) continue;
                assertThat(Quantizer.supports(type)).as("%s in %s", type, tag).isTrue();
                Tensor src = f32.tensor(want.name());
                assertThat(src.type()).isEqualTo(DType.F32);
                float[] values = Dequantizer.dequantize(src);
                byte[] got = Quantizer.quantize(type, values, values.length);
                byte[] expected = want.data().toArray(ValueLayout.JAVA_BYTE);
                assertThat(got.length).isEqualTo(expected.length);
                for (int i = 0; i < got.length; i++) {
                    if (got[i] != expected[i]) {
                        throw new AssertionError(tag + " " + want.name() + " (" + type + ") differs at byte " + i + " (block "
                                + i / type.blockBytes() + ", offset " + i % type.blockBytes() + "): " + got[i] + " vs llama.cpp " + expected[i]);
                    }
                }
                seen.add(type);
            }
        }
        assertThat(seen).as("quantized types compared in %s", tag).isNotEmpty();
    }
}
