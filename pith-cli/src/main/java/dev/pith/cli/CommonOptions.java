package dev.pith.cli;

import dev.pith.core.DType;
import dev.pith.core.Parallel;
import dev.pith.model.Model;
import dev.pith.model.Models;
import dev.pith.model.runtime.RuntimeOptions;
import dev.pith.model.sparse.SparseMode;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that load and run a model. */
final class CommonOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "Model: a GGUF file, a llama2.c checkpoint, or a Hugging Face folder.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer file for formats that keep it apart (llama2.c tokenizer.bin); default: beside the model.")
    Path tokenizer;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the matrix kernels (default: all cores).")
    Integer threads;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length of the KV cache (default: the model's).")
    int ctx;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache type: f32 (exact) or f16 (half the memory, rounds as llama.cpp's default cache). Default: ${DEFAULT-VALUE}.")
    String kvType;

    @Option(names = "--sparse", paramLabel = "MODE", defaultValue = "auto",
            description = "auto: hold pruned F32/F16 block matrices sparsely (N:M, or CSR at 60%% zeros or more) and use sparse kernels; on: every F32/F16 block matrix with zeros, even where dense is faster; off: multiply densely. Default: ${DEFAULT-VALUE}.")
    String sparse;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of text.")
    boolean json;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    Model load() {
        if (threads != null) Parallel.setThreads(threads);
        return Models.load(model, tokenizer);
    }

    /** {@link #load} for commands that need the weights and metadata but not the tokenizer ({@link Models#loadWeights}). */
    Model loadWeights() {
        if (threads != null) Parallel.setThreads(threads);
        return Models.loadWeights(model, tokenizer);
    }

    RuntimeOptions runtime() {
        return RuntimeOptions.defaults().withKvType(DType.parse(kvType)).withContextLength(ctx).withSparse(SparseMode.parse(sparse));
    }
}
