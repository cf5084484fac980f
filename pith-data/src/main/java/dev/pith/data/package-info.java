/**
 * Corpus curation before training: reading, normalising, filtering, deduplicating, scoring and
 * decontaminating documents, then tokenizing and packing what is kept, with a report of what was
 * removed and why.
 */
package dev.pith.data;
