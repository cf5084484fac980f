package dev.pith.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face model folder: model.safetensors, or the shards that
 * model.safetensors.index.json's weight_map names. All tensors, by Hugging Face name, stay slices
 * of their mapped shard. Pickle checkpoints (pytorch_model.bin, *.pt) are refused, never opened.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final List<Safetensors> files;
    private final Map<String, Tensor> tensors;

    private SafetensorsCheckpoint(Path dir, List<Safetensors> files, Map<String, Tensor> tensors) {
        this.dir = dir;
        this.files = List.copyOf(files);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public static SafetensorsCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) throw new PithException(dir + " is not a folder, so not a Hugging Face model folder.");
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) return openSharded(dir, index);
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            Safetensors f = Safetensors.open(single);
            return new SafetensorsCheckpoint(dir, List.of(f), new LinkedHashMap<>(f.tensors()));
        }
        for (String pickle : List.of("pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth", "consolidated.00.pth"))
            if (Files.exists(dir.resolve(pickle))) throw Safetensors.pickleError(dir.resolve(pickle));
        throw new PithException(dir + " holds neither " + SINGLE + " nor " + INDEX + ", so it has no weights Pith can read.");
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        List<Safetensors> opened = new ArrayList<>();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String shard : new TreeSet<>(weightMap.values())) {
                Path p = dir.resolve(shard);
                if (!Files.isRegularFile(p)) throw new PithException(index + " names the shard " + shard + ", which is missing.");
                Safetensors f = Safetensors.open(p);
                opened.add(f);
                for (var e : f.tensors().entrySet()) {
                    String listed = weightMap.get(e.getKey());
                    if (!shard.equals(listed))
                        throw new PithException(p + " holds tensor '" + e.getKey() + "', which " + index.getFileName()
                                + (listed == null ? " does not list." : " puts in " + listed + "."));
                    tensors.put(e.getKey(), e.getValue());
                }
            }
            for (var e : weightMap.entrySet()) {
                if (!tensors.containsKey(e.getKey()))
                    throw new PithException(dir.resolve(e.getValue()) + " lacks tensor '" + e.getKey() + "', which "
                            + index.getFileName() + " says it holds.");
            }
            return new SafetensorsCheckpoint(dir, opened, tensors);
        } catch (RuntimeException e) {
            opened.forEach(Safetensors::close);
            throw e;
        }
    }

    /** weight_map of an index file, with every shard name checked to be a plain file name in the folder. */
    static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = SafetensorsHeader.STRICT_JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new PithException(index + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new PithException(index + " has no weight_map object.");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            JsonNode v = e.getValue();
            if (!v.isTextual()) throw new PithException(index + " maps tensor '" + e.getKey() + "' to something that is not a file name.");
            String shard = v.textValue();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".") || shard.equals(".."))
                throw new PithException(index + " maps tensor '" + e.getKey() + "' to '" + shard + "', which is not a file name inside the folder.");
            if (!shard.endsWith(".safetensors")) {
                if (Safetensors.isPickleName(Path.of(shard))) throw Safetensors.pickleError(index.resolveSibling(shard));
                throw new PithException(index + " maps tensor '" + e.getKey() + "' to '" + shard + "', which is not a .safetensors file.");
            }
            out.put(e.getKey(), shard);
        }
        if (out.isEmpty()) throw new PithException(index + " has an empty weight_map.");
        return out;
    }

    public Path dir() { return dir; }

    /** The safetensors files, in the order they were opened. */
    public List<Path> files() { return files.stream().map(Safetensors::path).toList(); }

    /** Every tensor by Hugging Face name (ggml-order shapes, mapped data). */
    public Map<String, Tensor> tensors() { return tensors; }

    @Override
    public void close() { files.forEach(Safetensors::close); }
}
