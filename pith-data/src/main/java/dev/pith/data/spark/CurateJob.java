package dev.pith.data.spark;

import dev.pith.core.PithException;
import dev.pith.data.CurateConfig;
import dev.pith.data.Curator;
import dev.pith.data.read.ReadOptions;
import dev.pith.model.tokenizer.Tokenizers;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a Spark task needs to rebuild the driver's {@link Curator.Options}: plain strings and
 * numbers (the options hold a tokenizer and callbacks, which do not travel). The input list is
 * re-expanded into the same shards on every executor, since shard numbering is deterministic.
 */
record CurateJob(List<String> inputs, String out, boolean lines, String textField, String idField, int maxDocBytes,
                 String configJson, String tokenizerPath) implements Serializable {

    static CurateJob of(Curator.Options o) {
        String tok = null;
        if (o.tokenizer() != null) {
            if (o.tokenizerName() == null || !Files.isRegularFile(Path.of(o.tokenizerName())))
                throw new PithException("a Spark run needs the tokenizer as a tokenizer.json file path, not '" + o.tokenizerName() + "'.");
            tok = o.tokenizerName();
        }
        ReadOptions r = o.read();
        return new CurateJob(o.inputs().stream().map(p -> p.toAbsolutePath().toString()).toList(), o.out().toAbsolutePath().toString(),
                r.lines(), r.textField(), r.idField(), r.maxDocBytes(), o.config().toJson(), tok);
    }

    Curator.Options options() {
        return new Curator.Options(inputs.stream().map(Path::of).toList(), Path.of(out), new ReadOptions(lines, textField, idField, maxDocBytes),
                CurateConfig.fromJson(configJson), tokenizerPath == null ? null : Tokenizers.fromHfJson(Path.of(tokenizerPath)), tokenizerPath,
                false, 0.1, 1, null);
    }
}
