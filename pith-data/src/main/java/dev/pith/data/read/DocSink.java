package dev.pith.data.read;

import dev.pith.data.Doc;
import dev.pith.data.Removal;

/** Where a reader delivers documents, and the inputs it skipped (with the reason, for the report). */
public interface DocSink {
    void doc(Doc doc);

    void skip(Removal skipped);
}
