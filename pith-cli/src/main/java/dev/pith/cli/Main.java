package dev.pith.cli;

import dev.pith.core.PithException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The {@code pith} command: one subcommand per job. */
@Command(name = "pith",
        mixinStandardHelpOptions = true,
        version = "pith 0.1.0",
        description = "Make language models small, and run them, on the JVM.")
public final class Main implements Runnable {
    /** The subcommands, in the order the usage lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
            InfoCommand.class,
            GenerateCommand.class,
            ChatCommand.class,
            LogitsCommand.class,
            TokenizeCommand.class,
            PerplexityCommand.class,
            ConvertCommand.class,
            QuantizeCommand.class,
            ImatrixCommand.class,
            PruneCommand.class,
            InitCommand.class,
            BenchCommand.class,
            TokenizerCommand.class,
            DataCommand.class,
            TrainCommand.class,
            FinetuneCommand.class,
            MergeCommand.class,
            DistillCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = run(out, err, args);
        out.flush();
        System.exit(code);
    }

    /**
     * Runs one pith command line with the given streams and returns its exit code. User errors print
     * one sentence on {@code err} (a stack trace too with --verbose) and return 1.
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cl = commandLine(args);
        addHelpOptions(cl);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            report(err, e, verbose);
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("pith: out of memory; give the JVM more with PITH_JAVA_OPTS=-Xmx…, or use a smaller model or context.");
            return 1;
        }
    }

    /**
     * The command line for these arguments: {@code pith} with only the subcommand that the first
     * argument names when it names one (picocli reads every subcommand's annotations, options and
     * nested commands when it is added: all of them took ~0.3 s of each start, one takes a few
     * milliseconds), else with all of them (no arguments, {@code --help}, {@code help}, a typo).
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        for (Class<?> command : COMMANDS) {
            if (command != CommandLine.HelpCommand.class && command.getAnnotation(Command.class).name().equals(first)) {
                cl.addSubcommand(new CommandLine(command));
                return cl;
            }
        }
        for (Class<?> command : COMMANDS) cl.addSubcommand(new CommandLine(command));
        return cl;
    }

    /** Gives every command, nested ones too, --help and --version, so each explains itself. */
    private static void addHelpOptions(CommandLine cl) {
        cl.getCommandSpec().mixinStandardHelpOptions(true);
        for (CommandLine sub : cl.getSubcommands().values()) addHelpOptions(sub);
    }

    static void report(PrintStream err, Throwable e, boolean verbose) {
        if (e instanceof PithException) {
            err.println("pith: " + e.getMessage());
        } else if (e instanceof OutOfMemoryError) {
            err.println("pith: out of memory; give the JVM more with PITH_JAVA_OPTS=-Xmx…, or use a smaller model or context.");
        } else if (e instanceof IllegalArgumentException) {
            err.println("pith: " + e.getMessage());
        } else {
            err.println("pith: internal error: " + e + " (run with --verbose for the stack trace).");
        }
        if (verbose) e.printStackTrace(err);
    }
}
