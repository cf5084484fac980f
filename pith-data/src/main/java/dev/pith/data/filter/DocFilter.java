package dev.pith.data.filter;

import dev.pith.data.Doc;

/** One rule set of the filter stage (Gopher, C4, code); pure and thread-safe. */
public interface DocFilter {
    /** Short name used as the prefix of its reasons and in the report. */
    String name();

    /** True when the rule set is meant for this document (prose rules skip source files and so on). */
    boolean appliesTo(Doc doc);

    Verdict apply(Doc doc);
}
