package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "convert",
        description = {"Convert a model between formats: GGUF, llama2.c, Hugging Face (config.json + safetensors).",
                "The output format follows --out: a name ending in .gguf is GGUF, anything else a Hugging Face folder."})
final class ConvertCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, description = "Output file (.gguf) or folder (Hugging Face).")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE",
            description = {"Convert every weight matrix to TYPE: F32, F16, BF16, Q8_0 or Q4_0 (round to nearest, as llama-quantize --pure;",
                    "rows that are not whole blocks become F16). 1-D tensors (norms, biases) become F32. Default: keep the types."})
    String type;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try (Model src = common.load(); Model m = type == null ? src : ModelRetyper.retype(src, DType.parse(type))) {
            ModelWriters.write(m, out);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("in", common.model.toString());
            o.put("out", out.toString());
            o.put("format", ModelWriters.targetFor(out).name().toLowerCase());
            o.put("tensors", m.tensors().size());
            if (type != null) o.put("type", DType.parse(type).name());
            o.put("bytes", sizeOf(out));
            o.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (common.json) Json.print(spec.commandLine().getOut(), o);
            else spec.commandLine().getOut().printf("wrote %s (%s, %d tensors, %,d bytes)%n", out, o.get("format"), m.tensors().size(), (Long) o.get("bytes"));
        }
    }

    private static long sizeOf(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
            }
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
