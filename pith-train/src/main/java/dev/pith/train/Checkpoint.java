package dev.pith.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.AtomicFile;
import dev.pith.core.PithException;
import dev.pith.model.ModelConfig;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Everything a run needs to continue exactly: model configuration, weights, AdamW moments and step
 * count, the optimizer step, the batch sampler's generator state, and the run's own JSON extras.
 * Layout: "PITHCKPT", int32 version, int32 header length, header JSON, then per parameter its
 * weights, first and second moments (float32 LE), then the state of the trainer's step hook when it
 * keeps one (AdaLoRA's importance averages and masks; its length is the header's
 * {@code hook_state_bytes}), and a CRC-32 of all preceding bytes. Written
 * through {@link AtomicFile}, so a crash leaves the previous checkpoint intact; a torn or edited
 * file fails its checksum and is refused with one sentence.
 */
public final class Checkpoint {
    private static final byte[] MAGIC = "PITHCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {}

    public static void save(Path file, Trainer trainer, ObjectNode extra) {
        LlamaTrainModel m = trainer.model();
        ObjectNode h = JSON.createObjectNode();
        h.set("config", configJson(m.config()));
        h.put("step", trainer.step());
        h.put("adam_t", trainer.adam().stepCount());
        h.put("rng_state", trainer.sampleRng().state());
        ArrayNode ps = h.putArray("params");
        for (Param p : m.trainableParams()) ps.addArray().add(p.name()).add(p.rows()).add(p.cols());
        if (extra != null) h.set("extra", extra);
        byte[] hookState = trainer.hook().stateName() != null ? trainer.hook().saveState() : null;
        if (hookState != null) h.put("hook_state_bytes", hookState.length);
        byte[] header;
        try {
            header = JSON.writeValueAsBytes(h);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicFile.write(file, os -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new java.util.zip.CheckedOutputStream(os, crc));
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(header.length);
            out.write(header);
            List<Param> params = m.trainableParams();
            AdamW a = trainer.adam();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < params.size(); i++) {
                writeFloats(out, buf, params.get(i).w);
                writeFloats(out, buf, a.m[i]);
                writeFloats(out, buf, a.v[i]);
            }
            if (hookState != null) out.write(hookState);
            out.flush();
            new DataOutputStream(os).writeLong(crc.getValue());
        });
    }

    private static void writeFloats(DataOutputStream out, ByteBuffer buf, float[] a) throws IOException {
        int i = 0;
        while (i < a.length) {
            buf.clear();
            int n = Math.min(a.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(a, i, n);
            out.write(buf.array(), 0, n * 4);
            i += n;
        }
    }

    /** A checkpoint read and verified, ready to restore into a trainer built from its configuration. */
    public record Loaded(Path file, ModelConfig config, JsonNode header, ByteBuffer body) {
        public JsonNode extra() { return header.path("extra"); }
        public long step() { return header.get("step").asLong(); }

        /** Puts weights, moments, step and generator state into the trainer (its model built from {@link #config()}). */
        public void restore(Trainer trainer) {
            List<Param> params = trainer.model().trainableParams();
            JsonNode listed = header.get("params");
            if (listed == null || listed.size() != params.size()) throw corrupt("lists other parameters than the model has");
            AdamW a = trainer.adam();
            ByteBuffer b = body.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                JsonNode e = listed.get(i);
                if (!e.get(0).asText().equals(p.name()) || e.get(1).asInt() != p.rows() || e.get(2).asInt() != p.cols())
                    throw corrupt("holds parameter " + e + " where the model has " + p.name() + " " + p.rows() + "×" + p.cols());
                readFloats(b, p.w);
                readFloats(b, a.m[i]);
                readFloats(b, a.v[i]);
            }
            restoreHookState(trainer.hook(), b);
            if (b.remaining() != 0) throw corrupt("has " + b.remaining() + " bytes more than its parameters need");
            a.t = header.get("adam_t").asLong();
            trainer.setStep(step());
            trainer.sampleRng().setState(header.get("rng_state").asLong());
        }

        private void restoreHookState(Trainer.StepHook hook, ByteBuffer b) {
            long n = header.path("hook_state_bytes").asLong(-1);
            if (hook.stateName() == null) {
                if (n >= 0) throw new PithException(file + " holds a state this run does not keep (" + n + " bytes after the parameters); resume with the run's own flags or choose another --out.");
                return;
            }
            if (n < 0) throw new PithException(file + " holds no " + hook.stateName() + "; it was written by another kind of run (or an older Pith), so it cannot be resumed with these flags.");
            if (n > b.remaining()) throw corrupt("is shorter than its " + hook.stateName() + " needs");
            hook.restoreState(b.slice(b.position(), (int) n).order(ByteOrder.LITTLE_ENDIAN), file);
            b.position(b.position() + (int) n);
        }

        private void readFloats(ByteBuffer b, float[] a) {
            if (b.remaining() < 4L * a.length) throw corrupt("is shorter than its parameters need");
            b.asFloatBuffer().get(a);
            b.position(b.position() + 4 * a.length);
        }

        private PithException corrupt(String what) { return new PithException(file + " " + what + "; it is not a checkpoint of this run."); }
    }

    public static Loaded load(Path file) {
        if (!Files.isRegularFile(file)) throw new PithException(file + ": no such checkpoint.");
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PithException(file + ": cannot be read (" + e.getMessage() + ").", e);
        } catch (OutOfMemoryError e) {
            throw new PithException(file + " is too large to load as a checkpoint.");
        }
        if (all.length < MAGIC.length + 16 || !java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length))
            throw new PithException(file + " is not a Pith checkpoint (wrong magic bytes or too short).");
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        long stored = ByteBuffer.wrap(all, all.length - 8, 8).getLong();
        if (stored != crc.getValue()) throw new PithException(file + " is corrupted (its checksum does not match; the file was cut short or changed).");
        ByteBuffer b = ByteBuffer.wrap(all, 0, all.length - 8);
        b.position(MAGIC.length);
        int version = b.getInt();
        if (version != VERSION) throw new PithException(file + " is a checkpoint of version " + version + "; this Pith reads version " + VERSION + ".");
        int hlen = b.getInt();
        if (hlen < 2 || hlen > b.remaining()) throw new PithException(file + " is corrupted (bad header length " + hlen + ").");
        JsonNode header;
        try {
            header = JSON.readTree(new String(all, b.position(), hlen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PithException(file + " is corrupted (unreadable header).", e);
        }
        b.position(b.position() + hlen);
        ModelConfig c = configFrom(header.get("config"), file);
        return new Loaded(file, c, header, b.slice());
    }

    public static ObjectNode configJson(ModelConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("architecture", c.architecture());
        n.put("dim", c.dim());
        n.put("layers", c.layers());
        n.put("heads", c.heads());
        n.put("kv_heads", c.kvHeads());
        n.put("head_dim", c.headDim());
        n.put("ffn_dim", c.ffnDim());
        n.put("vocab_size", c.vocabSize());
        n.put("context", c.contextLength());
        n.put("rms_eps", c.rmsEps());
        n.put("rope_theta", c.ropeTheta());
        n.put("tied", c.tiedEmbeddings());
        return n;
    }

    static ModelConfig configFrom(JsonNode n, Path file) {
        if (n == null || !n.isObject()) throw new PithException(file + " is corrupted (no model configuration).");
        int hd = n.path("head_dim").asInt();
        return new ModelConfig(n.path("architecture").asText("llama"), n.path("dim").asInt(), n.path("layers").asInt(),
                n.path("heads").asInt(), n.path("kv_heads").asInt(), hd, n.path("ffn_dim").asInt(), n.path("vocab_size").asInt(),
                n.path("context").asInt(), (float) n.path("rms_eps").asDouble(), (float) n.path("rope_theta").asDouble(), hd,
                false, null, n.path("tied").asBoolean());
    }
}
