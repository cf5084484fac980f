package dev.pith.data;

/**
 * One document passing through one stage: sizes going in and coming out (zero out when the stage
 * removed it), the reason when removed, lines cut by a line-level rule, and the CPU time spent.
 */
public record StageEvent(String stage, long bytesIn, long tokensIn, long bytesOut, long tokensOut, String reason, int linesDropped, long nanos) {}
