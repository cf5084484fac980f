package dev.pith.cli;

import dev.pith.model.Model;
import dev.pith.train.lora.GgufAdapter;
import dev.pith.train.lora.LoraMerge;

import java.nio.file.Path;

/** A LoRA adapter (PEFT folder or GGUF adapter) read for a loaded base and folded into float32 copies of the adapted matrices. */
final class AdapterLoading {
    private AdapterLoading() {}

    static Model apply(Model base, Path adapter) {
        return LoraMerge.merge(base, GgufAdapter.readAny(adapter, base.config(), base.source()), adapter);
    }
}
