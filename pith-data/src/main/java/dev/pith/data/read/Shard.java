package dev.pith.data.read;

import java.nio.file.Path;
import java.util.List;

/**
 * A unit of input that is read, filtered and checkpointed as a whole (a resumed run redoes no
 * finished shard): one archive, one JSONL file, or a group of plain text files.
 */
public record Shard(int index, Kind kind, List<Path> files) {
    public enum Kind { TEXT, JSONL, ZIP, TAR_GZ }

    public String describe() { return files.size() == 1 ? files.getFirst().toString() : files.getFirst() + " (+" + (files.size() - 1) + " files)"; }
}
