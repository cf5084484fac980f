package dev.pith.model.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every kind of broken input ends in one PithException whose message names the file and the problem. */
class SafetensorsBadInputTest {
    @TempDir Path tmp;

    @Test
    void truncatedFile() throws Exception {
        byte[] good = Files.readAllBytes(HfFixtures.dir("tiny_qwen2").resolve("model.safetensors"));
        Path p = tmp.resolve("cut.safetensors");
        Files.write(p, Arrays.copyOf(good, good.length - 100));
        expectFailure(p, () -> Safetensors.open(p), "is truncated: tensor", "of the data section but it holds only");
    }

    @Test
    void fileShorterThanTheLengthField() throws Exception {
        Path p = tmp.resolve("tiny.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        expectFailure(p, () -> Safetensors.open(p), "too short to be a safetensors file (3 bytes)");
    }

    @Test
    void headerLengthPastTheEnd() throws Exception {
        Path p = tmp.resolve("long.safetensors");
        Files.write(p, file(1_000_000, "{}", 0));
        expectFailure(p, () -> Safetensors.open(p), "declares a 1000000-byte header but only");
        Path q = tmp.resolve("negative.safetensors");
        Files.write(q, file(-1L, "{}", 0));
        expectFailure(q, () -> Safetensors.open(q), "declares a 18446744073709551615-byte header");
    }

    @Test
    void offsetsPastTheEnd() throws Exception {
        Path p = tmp.resolve("past.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4));
        expectFailure(p, () -> Safetensors.open(p), "tensor 'a' needs bytes 0..8 of the data section but it holds only 4 bytes");
    }

    @Test
    void overlappingTensors() throws Exception {
        Path p = tmp.resolve("overlap.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        expectFailure(p, () -> Safetensors.open(p), "overlapping tensors: 'a' ends at byte 8 but 'b' starts at byte 4");
    }

    @Test
    void gapsAndTrailingBytes() throws Exception {
        Path gap = tmp.resolve("gap.safetensors");
        Files.write(gap, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12));
        expectFailure(gap, () -> Safetensors.open(gap), "leaves bytes 4..8 of its data section unused before tensor 'b'");
        Path tail = tmp.resolve("tail.safetensors");
        Files.write(tail, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12));
        expectFailure(tail, () -> Safetensors.open(tail), "has 8 bytes after its last tensor");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws Exception {
        Path p = tmp.resolve("f12.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        expectFailure(p, () -> Safetensors.open(p), "tensor 'a' of unknown dtype 'F12'");
        Path q = tmp.resolve("i64.safetensors");
        Files.write(q, file("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        expectFailure(q, () -> Safetensors.open(q), "stores tensor 'a' as I64; Pith reads only F32, F16 and BF16 tensors");
    }

    @Test
    void shapeThatDoesNotMatchTheOffsets() throws Exception {
        Path p = tmp.resolve("shape.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        expectFailure(p, () -> Safetensors.open(p), "tensor 'a' of shape [3] F32 (12 bytes) but data_offsets span 8 bytes");
        Path q = tmp.resolve("huge.safetensors");
        Files.write(q, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8));
        expectFailure(q, () -> Safetensors.open(q), "the shape of tensor 'a' too large to address");
    }

    @Test
    void sameTensorTwice() throws Exception {
        Path p = tmp.resolve("twice.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        expectFailure(p, () -> Safetensors.open(p), "has the tensor 'a' twice");
    }

    @Test
    void headerThatIsNotJson() throws Exception {
        Path p = tmp.resolve("json.safetensors");
        Files.write(p, file("{\"a\":[1,2", 0));
        expectFailure(p, () -> Safetensors.open(p), "header that is not valid JSON");
        Path q = tmp.resolve("brace.safetensors");
        Files.write(q, file("[1]", 0));
        expectFailure(q, () -> Safetensors.open(q), "its header does not start with '{'");
        Path r = tmp.resolve("extra.safetensors");
        Files.write(r, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4));
        expectFailure(r, () -> Safetensors.open(r), "tensor 'a' with an unexpected field 'x'");
    }

    @Test
    void picklesAreNeverOpened() throws Exception {
        Path bin = tmp.resolve("pytorch_model.bin");
        Files.write(bin, new byte[] {(byte) 0x80, 2, 'c', 'x'});
        expectFailure(bin, () -> Safetensors.open(bin), "is a PyTorch pickle file; Pith never loads pickles");
        // A pickle renamed to .safetensors is recognised by its content.
        Path disguised = tmp.resolve("model.safetensors");
        Files.write(disguised, new byte[] {(byte) 0x80, 4, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0, '}', '.'});
        expectFailure(disguised, () -> Safetensors.open(disguised), "is a PyTorch pickle file");
        Path zip = tmp.resolve("zip.safetensors");
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        expectFailure(zip, () -> Safetensors.open(zip), "is a PyTorch pickle file");
        // A folder with only pickle weights: the loader says why it stops.
        Path folder = Files.createDirectory(tmp.resolve("pickled"));
        Files.copy(HfFixtures.dir("tiny_llama").resolve("config.json"), folder.resolve("config.json"));
        Files.write(folder.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        expectFailure(folder.resolve("pytorch_model.bin"), () -> HfLoader.load(folder, null), "never loads pickles");
    }

    @Test
    void configMissingAField() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("nohidden"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(HfFixtures.dir("tiny_llama").resolve("config.json").toFile());
        cfg.remove("hidden_size");
        Files.writeString(folder.resolve("config.json"), cfg.toString());
        Files.copy(HfFixtures.dir("tiny_llama").resolve("model.safetensors"), folder.resolve("model.safetensors"));
        Path config = folder.resolve("config.json");
        assertThatThrownBy(() -> HfLoader.load(folder, null))
                .isExactlyInstanceOf(PithException.class)
                .hasMessage(config + ": missing field 'hidden_size'.");
    }

    @Test
    void brokenIndexes() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("sharded"));
        Path index = folder.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}");
        expectFailure(index, () -> SafetensorsCheckpoint.open(folder), "is not a file name inside the folder");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        expectFailure(index, () -> SafetensorsCheckpoint.open(folder), "names the shard model-00001-of-00002.safetensors, which is missing");
        Files.write(folder.resolve("model-00001-of-00002.safetensors"), file("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        expectFailure(folder.resolve("model-00001-of-00002.safetensors"), () -> SafetensorsCheckpoint.open(folder),
                "holds tensor 'b', which model.safetensors.index.json does not list");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"}}");
        expectFailure(folder.resolve("model-00001-of-00002.safetensors"), () -> SafetensorsCheckpoint.open(folder),
                "lacks tensor 'a', which model.safetensors.index.json says it holds");
    }

    @Test
    void folderWithoutWeights() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("empty"));
        expectFailure(folder, () -> SafetensorsCheckpoint.open(folder), "holds neither model.safetensors nor model.safetensors.index.json");
    }

    /** One PithException whose message starts with the file and contains every fragment. */
    static void expectFailure(Path file, ThrowingCallable call, String... fragments) {
        var t = assertThatThrownBy(call).isExactlyInstanceOf(PithException.class);
        t.message().startsWith(file.toString());
        for (String f : fragments) t.hasMessageContaining(f);
        t.message().endsWith(".");
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, header, dataBytes);
    }

    static byte[] file(long declaredLength, String header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[dataBytes]);
        byte[] b = out.toByteArray();
        assertThat(b.length).isEqualTo(8 + header.getBytes(StandardCharsets.UTF_8).length + dataBytes);
        return b;
    }
}
