package dev.pith.cli;

import dev.pith.core.PithException;
import dev.pith.model.Model;
import dev.pith.model.runtime.Transformer;
import dev.pith.train.lora.GgufAdapter;
import dev.pith.train.lora.LoraMerge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Adapters (PEFT LoRA or AdaLoRA folders, GGUF LoRA files) read for a loaded base: folded into
 * float32 copies of the adapted matrices ({@link #apply}, for merge and logits), or loaded into a
 * {@link Transformer} to run unmerged, several at once ({@link #load}).
 */
final class AdapterLoading {
    private static final Pattern NAMED = Pattern.compile("([A-Za-z0-9_.-]+)=(.+)");

    private AdapterLoading() {}

    static Model apply(Model base, Path adapter) {
        return LoraMerge.merge(base, GgufAdapter.readAny(adapter, base.config(), base.source()), adapter);
    }

    /**
     * Loads each "PATH" or "NAME=PATH" into {@code t} (a bare path is named after its file or
     * folder) and makes {@code use} active: a loaded name, "none" for the base alone, or null for
     * the first adapter given. Returns the active name (null: none).
     */
    static String load(Transformer t, List<String> specs, String use) {
        Map<String, Path> named = new LinkedHashMap<>();
        for (String spec : specs) {
            var m = NAMED.matcher(spec);
            boolean isNamed = m.matches() && !Files.exists(Path.of(spec));
            Path p = Path.of(isNamed ? m.group(2) : spec);
            String name = isNamed ? m.group(1) : String.valueOf(p.toAbsolutePath().normalize().getFileName());
            if (named.put(name, p) != null) throw new PithException("two adapters are named '" + name + "'; name them with --adapter NAME=PATH.");
        }
        Model base = t.model();
        for (var e : named.entrySet())
            t.loadAdapter(GgufAdapter.readAny(e.getValue(), base.config(), base.source()).toRuntime(e.getKey(), base, e.getValue()));
        String active = use == null ? (named.isEmpty() ? null : named.keySet().iterator().next()) : use.equals("none") ? null : use;
        if (active != null && !named.containsKey(active))
            throw new PithException("--use '" + active + "' names no adapter given with --adapter (" + String.join(", ", named.keySet()) + ").");
        t.useAdapter(active);
        return active;
    }
}
