package dev.pith.compress.quant;

import dev.pith.core.AtomicFile;
import dev.pith.core.DType;
import dev.pith.core.PithException;
import dev.pith.core.Tensor;
import dev.pith.model.Model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measured sensitivities kept in a text file (one "tensor type bytes cost" line per choice), so
 * several budgets for one model are planned from one measurement: the loss-aware one runs the
 * calibration text once per tensor and type, minutes on a small model.
 */
public final class SensitivityFile {
    private SensitivityFile() {}

    public static void write(Path file, Map<String, List<Choice>> choices) {
        StringBuilder sb = new StringBuilder("# tensor type bytes cost (pith quantize --sensitivities)\n");
        for (var e : choices.entrySet())
            for (Choice c : e.getValue()) sb.append(e.getKey()).append(' ').append(c.type()).append(' ').append(c.bytes()).append(' ').append(c.cost()).append('\n');
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /** The choices in {@code file}; every line must name a tensor of {@code m} with the bytes its type gives it there. */
    public static Map<String, List<Choice>> read(Path file, Model m) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PithException(file + ": cannot read the sensitivities (" + e.getMessage() + ").");
        }
        Map<String, List<Choice>> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] f = l.split(" ");
            try {
                Tensor t = m.tensors().get(f[0]);
                DType d = DType.parse(f[1]);
                long bytes = Long.parseLong(f[2]);
                if (f.length != 4 || t == null || d.bytesFor(t.cols()) * t.rows() != bytes)
                    throw new PithException(file + " line " + (i + 1) + " does not describe a tensor of " + m.source() + "; the sensitivities were measured on another model.");
                out.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Choice(d, bytes, Double.parseDouble(f[3])));
            } catch (RuntimeException e) {
                if (e instanceof PithException p) throw p;
                throw new PithException(file + " line " + (i + 1) + " is not 'tensor type bytes cost'.");
            }
        }
        return out;
    }
}
