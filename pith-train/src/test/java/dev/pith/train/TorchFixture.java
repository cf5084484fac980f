package dev.pith.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pith.model.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the fixtures tools/fixtures/make_train_fixtures.py writes from PyTorch (test resources, fixtures/torch/). */
final class TorchFixture {
    final JsonNode json;
    final ModelConfig config;

    TorchFixture(String name) {
        this.json = readJson(name + ".json");
        JsonNode c = json.path("config");
        config = new ModelConfig("llama", c.get("dim").asInt(), c.get("layers").asInt(), c.get("heads").asInt(),
                c.get("kv_heads").asInt(), c.get("head_dim").asInt(), c.get("ffn_dim").asInt(), c.get("vocab").asInt(),
                c.get("context").asInt(), (float) c.get("rms_eps").asDouble(), (float) c.get("rope_theta").asDouble(),
                c.get("head_dim").asInt(), false, null, c.get("tied").asBoolean());
    }

    static byte[] bytes(String resource) {
        try (InputStream in = TorchFixture.class.getResourceAsStream("/fixtures/torch/" + resource)) {
            assertThat(in).as("fixture %s (run tools/fixtures/make_train_fixtures.py)", resource).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode readJson(String resource) {
        try {
            return new ObjectMapper().readTree(bytes(resource));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A model with the fixture's parameter order checked against Pith's, loaded from a float32 file. */
    LlamaTrainModel model(String weightsResource) {
        LlamaTrainModel m = new LlamaTrainModel(config);
        List<Param> ps = m.params();
        JsonNode listed = json.get("params");
        assertThat(listed.size()).isEqualTo(ps.size());
        for (int i = 0; i < ps.size(); i++) {
            assertThat(listed.get(i).get(0).asText()).isEqualTo(ps.get(i).name());
            assertThat(listed.get(i).get(1).asInt() * listed.get(i).get(2).asInt()).isEqualTo(ps.get(i).size());
        }
        float[][] w = floats(weightsResource, ps);
        for (int i = 0; i < ps.size(); i++) System.arraycopy(w[i], 0, ps.get(i).w, 0, w[i].length);
        return m;
    }

    static float[][] floats(String resource, List<Param> ps) {
        ByteBuffer b = ByteBuffer.wrap(bytes(resource)).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
            out[i] = new float[ps.get(i).size()];
            b.asFloatBuffer().get(out[i]);
            b.position(b.position() + 4 * out[i].length);
        }
        assertThat(b.remaining()).isZero();
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
