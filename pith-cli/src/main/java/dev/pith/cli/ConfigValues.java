package dev.pith.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pith.core.PithException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Option values from a flag, else from a --config JSON file (keys with '_' or '-'), else a default;
 * and paths resolved beside that file. Shared by the training commands (train, finetune).
 */
final class ConfigValues {
    private final JsonNode file;
    private final Path config, configDir;

    private ConfigValues(JsonNode file, Path config) {
        this.file = file;
        this.config = config;
        this.configDir = config == null ? null : config.toAbsolutePath().getParent();
    }

    /** Reads {@code config} (null: no file), refusing keys outside {@code known}. */
    static ConfigValues read(Path config, Set<String> known) {
        if (config == null) return new ConfigValues(null, null);
        JsonNode n = readJson(config);
        if (!n.isObject()) throw new PithException(config + " must hold one JSON object of training options.");
        ObjectNode norm = Json.MAPPER.createObjectNode();
        n.fields().forEachRemaining(e -> {
            String k = e.getKey().replace('-', '_');
            if (!known.contains(k)) throw new PithException(config + " has the unknown option '" + e.getKey() + "'.");
            norm.set(k, e.getValue());
        });
        return new ConfigValues(norm, config);
    }

    /** A path as given if it exists, else beside the config file, else beside its folder (the repository root for bench/). */
    Path resolve(String p) {
        Path given = Path.of(p);
        if (given.isAbsolute() || Files.exists(given) || configDir == null) return given;
        for (Path base = configDir; base != null; base = base.getParent()) {
            Path cand = base.resolve(p);
            if (Files.exists(cand)) return cand;
            if (base.equals(configDir.getParent())) break;
        }
        return given;
    }

    JsonNode value(String key) { return file == null ? null : file.get(key); }

    String string(String flag, String key, String def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v == null || v.isNull() ? def : v.asText();
    }

    Integer integer(Integer flag, String key, Integer def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asInt();
    }

    long longValue(Long flag, String key, long def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isIntegralNumber()) throw new PithException(config + ": '" + key + "' must be an integer, not " + v + ".");
        return v.asLong();
    }

    double number(Double flag, String key, double def) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        if (v == null || v.isNull()) return def;
        if (!v.isNumber()) throw new PithException(config + ": '" + key + "' must be a number, not " + v + ".");
        return v.asDouble();
    }

    boolean bool(Boolean flag, String key) {
        if (flag != null) return flag;
        JsonNode v = value(key);
        return v != null && v.asBoolean(false);
    }

    static JsonNode readJson(Path p) {
        try {
            return Json.MAPPER.readTree(readBytes(p));
        } catch (IOException e) {
            throw new PithException(p + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ").", e);
        }
    }

    static byte[] readBytes(Path p) {
        if (!Files.isRegularFile(p)) throw new PithException(p + ": no such file.");
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new PithException(p + ": cannot be read (" + e.getMessage() + ").", e);
        }
    }

    static String readText(Path p) {
        return new String(readBytes(p), java.nio.charset.StandardCharsets.UTF_8);
    }
}
