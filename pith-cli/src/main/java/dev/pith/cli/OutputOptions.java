package dev.pith.cli;

import picocli.CommandLine.Option;

/** How a command reports: one JSON object for scripts, and stack traces for bug reports. */
final class OutputOptions {
    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;
}
