package dev.pith.data.read;

import java.nio.file.Path;
import java.util.List;

/**
 * A unit of input that is read, filtered and checkpointed as a whole (a resumed run redoes no
 * finished shard): a range of a zip archive's entries [{@code from}, {@code to}), a whole tar.gz
 * (which cannot be entered in the middle), one JSONL file, or a group of plain text files.
 */
public record Shard(int index, Kind kind, List<Path> files, int from, int to) {
    public enum Kind { TEXT, JSONL, ZIP, TAR_GZ }

    public Shard(int index, Kind kind, List<Path> files) { this(index, kind, files, 0, Integer.MAX_VALUE); }

}
