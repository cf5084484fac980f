package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.core.Tensor;
import dev.pith.model.Model;
import dev.pith.model.ModelConfig;
import dev.pith.model.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

@Command(name = "info", description = "Show a model's architecture, parameter count, tensor types and size.")
final class InfoCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        try (Model m = common.load()) {
            ModelConfig c = m.config();
            Map<String, Long> typeCounts = new TreeMap<>();
            Map<String, Long> typeBytes = new TreeMap<>();
            for (Tensor t : m.tensors().values()) {
                typeCounts.merge(t.type().name(), 1L, Long::sum);
                typeBytes.merge(t.type().name(), t.byteSize(), Long::sum);
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", common.model.toString());
            o.put("format", Models.detect(common.model).name().toLowerCase());
            o.put("architecture", c.architecture());
            o.put("parameters", m.parameterCount());
            o.put("tensor_bytes", m.byteSize());
            o.put("bits_per_weight", 8.0 * m.byteSize() / Math.max(1, m.parameterCount()));
            o.put("tensors", m.tensors().size());
            o.put("tensor_types", typeCounts);
            o.put("config", c);
            o.put("tokenizer", m.tokenizer() == null ? null : Map.of("vocab_size", m.tokenizer().vocabSize(), "bos", m.tokenizer().bos(), "eos", m.tokenizer().eos()));
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Json.print(out, o);
                return;
            }
            out.printf("model          %s (%s)%n", common.model, o.get("format"));
            out.printf("architecture   %s%n", c.architecture());
            out.printf("parameters     %,d%n", m.parameterCount());
            out.printf("size           %,d bytes of tensors (%.2f bits per weight)%n", m.byteSize(), o.get("bits_per_weight"));
            out.printf("shape          dim %d, %d layers, %d heads (%d kv, head %d), ffn %d, vocab %d, context %d%n",
                    c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocabSize(), c.contextLength());
            out.printf("rope           theta %s, %d dims, %s%s%n", c.ropeTheta(), c.ropeDim(), c.ropeNeox() ? "neox" : "normal",
                    c.ropeScaling() == null ? "" : ", scaled " + c.ropeScaling());
            out.printf("norm eps       %s; %s embeddings%n", c.rmsEps(), c.tiedEmbeddings() ? "tied" : "untied");
            for (var e : typeCounts.entrySet()) {
                out.printf("  %-6s %4d tensors %,14d bytes (%.2f bpw)%n", e.getKey(), e.getValue(), typeBytes.get(e.getKey()), DType.parse(e.getKey()).bitsPerWeight());
            }
            out.flush();
        }
    }
}
