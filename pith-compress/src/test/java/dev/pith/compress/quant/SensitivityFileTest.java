package dev.pith.compress.quant;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Stored sensitivities read back exactly, and a file measured on another model is refused. */
class SensitivityFileTest {
    @TempDir Path dir;

    @Test
    void roundTripAndAnotherModel() throws Exception {
        try (Model m = Models.load(LlamaQuantizeOracle.shared("data/models/stories260K-f32.gguf"))) {
            Map<String, List<Choice>> c = LossSensitivity.unmeasured(m);
            c.replaceAll((name, list) -> list.stream().map(x -> new Choice(x.type(), x.bytes(), Math.PI * x.bytes() / 7)).toList());
            Path f = dir.resolve("s.sens");
            SensitivityFile.write(f, c);
            assertThat(SensitivityFile.read(f, m)).isEqualTo(c);
            Files.writeString(f, Files.readString(f).replace("token_embd.weight Q4_0 ", "token_embd.weight Q4_0 1"));
            assertThatThrownBy(() -> SensitivityFile.read(f, m)).isInstanceOf(PithException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("another model");
            Files.writeString(f, "blk.0.attn_q.weight Q4_0 nonsense 1\n");
            assertThatThrownBy(() -> SensitivityFile.read(f, m)).isInstanceOf(PithException.class).hasMessageContaining("line 1");
        }
    }
}
