package dev.pith.model.quant;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.core.quant.Dequantizer;
import dev.pith.core.quant.Quantizer;
import dev.pith.model.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-quantizing the F32 fixture's weights gives, byte for byte, the blocks llama-quantize --pure
 * wrote (no importance matrix, so llama.cpp used its reference quantizers).
 */
class QuantizerFixtureTest {
    static final Path DIR = DequantFixtureTest.DIR;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0"})
    void requantizedF32WeightsEqualLlamaQuantizeBytes(DType type) {
        int compared = 0;
        try (GgufFile f32 = GgufFile.open(DIR.resolve("fixture-tiny-f32.gguf"));
             GgufFile quant = GgufFile.open(DIR.resolve("fixture-tiny-pure-" + type + ".gguf"))) {
            for (Tensor want : quant.tensors().values()) {
                if (want.type() != type) continue;
                Tensor src = f32.tensor(want.name());
                assertThat(src.type()).isEqualTo(DType.F32);
                float[] values = Dequantizer.dequantize(src);
                byte[] got = Quantizer.quantize(type, values, values.length);
                byte[] expected = want.data().toArray(ValueLayout.JAVA_BYTE);
                assertThat(got.length).isEqualTo(expected.length);
                for (int i = 0; i < got.length; i++) {
                    if (got[i] != expected[i]) {
                        throw new AssertionError(want.name() + " differs at byte " + i + " (block " + i / type.blockBytes()
                                + "): " + got[i] + " vs llama.cpp " + expected[i]);
                    }
                }
                compared++;
            }
        }
        assertThat(compared).as("quantized tensors compared").isGreaterThanOrEqualTo(14);
    }
}
