package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.model.Model;
import dev.pith.model.ModelWriters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "merge", description = {"Fold a LoRA adapter into its base model: W + (α/r)·B·A for every adapted projection.",
        "The adapted matrices become F32 unless --type re-quantizes the whole model; the rest keep their types."})
final class MergeCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--adapter", required = true, paramLabel = "PATH", description = "A PEFT adapter folder or a GGUF LoRA adapter.")
    Path adapter;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "PATH", description = "Output file (.gguf) or folder (Hugging Face).")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", description = "Re-quantize the merged model to this type (f32, f16, q8_0, q4_0, …).")
    String type;

    @Override
    public void run() {
        try (Model base = common.load()) {
            Model merged = AdapterLoading.apply(base, adapter);
            Model written = type == null ? merged : ModelRetyper.retype(merged, DType.parse(type));
            ModelWriters.write(written, out);
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("out", out.toString());
                o.put("adapter", adapter.toString());
                if (type != null) o.put("type", DType.parse(type).name());
                o.put("bytes", written.byteSize());
                Json.print(spec.commandLine().getOut(), o);
            } else {
                spec.commandLine().getOut().printf("merged %s into %s → %s%n", adapter, common.model, out);
            }
        }
    }
}
