package com.voxanne.cli;

import com.voxanne.schema.internal.SqlFailures;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code voxanne} command line: migrates, inspects, verifies and rolls back a Voxanne database, or an
 * embedded PostgreSQL 17 whose data persists between runs. Run {@code java -jar voxanne.jar --help}.
 *
 * <p>This class is the module's only public type; the commands, the connection logic and the error
 * mapping are package-private.
 */
@Command(name = "voxanne", versionProvider = VoxanneCli.Version.class,
        subcommands = {MigrateCommand.class, InfoCommand.class, VerifyCommand.class, RollbackCommand.class, DistributeCommand.class,
                AuditCommand.class, DemoCommand.class, LoginRoleCommand.class, CommandLine.HelpCommand.class},
        description = "Migrate, inspect, verify and roll back the Voxanne database.",
        footer = {"", "The database: --url, else $VOXANNE_DB_URL, else $PGHOST/$PGPORT/$PGDATABASE,",
                "else an embedded PostgreSQL 17 whose data persists in --data-dir. Credentials:",
                "--user/--password, else $PGUSER/$PGPASSWORD. Results go to standard output,",
                "diagnostics (where the database is, warnings, errors) to standard error."})
public final class VoxanneCli implements Callable<Integer> {

    final Map<String, String> environment;

    @Spec
    CommandLine.Model.CommandSpec spec;

    // Declared once here and inherited, so that it may stand before or after the subcommand.
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print the stack trace of a failure.")
    boolean verbose;

    private VoxanneCli(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * Runs {@code voxanne} with the process's arguments and environment and exits with its exit code.
     *
     * @param args the command line, for example {@code migrate --verify}
     */
    public static void main(String... args) {
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The command tree, reading the database settings from {@code environment} (tests pass their own). */
    static CommandLine commandLine(Map<String, String> environment) {
        CommandLine cli = new CommandLine(new VoxanneCli(environment));
        document(cli);
        cli.setExecutionExceptionHandler(VoxanneCli::failed);
        cli.setParameterExceptionHandler(VoxanneCli::badUsage);
        return cli;
    }

    /** Every command, nested ones included, gets --help, --version and the exit codes at the end of its help. */
    private static void document(CommandLine command) {
        if (command.getCommand() instanceof CommandLine.HelpCommand) {
            return;
        }
        command.getCommandSpec().mixinStandardHelpOptions(true);
        UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        usage.exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.helpList());
        // After the footer, where a script author looks for them.
        List<String> sections = new ArrayList<>(usage.sectionKeys());
        sections.removeAll(List.of(UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING, UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST));
        sections.addAll(List.of(UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING, UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST));
        usage.sectionKeys(sections);
        command.getSubcommands().values().forEach(VoxanneCli::document);
    }

    /** {@code voxanne} alone: the usage, and the exit code of bad usage, since nothing was done. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE.code;
    }

    /** One line a person can act on, and a distinct exit code; the stack trace only when asked. */
    private static int failed(Exception failure, CommandLine command, ParseResult parsed) {
        CliException explained = Failures.explain(failure);
        PrintWriter err = command.getErr();
        err.println("voxanne: " + explained.getMessage());
        if (verbose(parsed)) {
            // A copy of the chain, each with its stack trace, in which no driver's or Flyway's message
            // survives: those quote the server's DETAIL and the failing statement, with row values.
            SqlFailures.scrub(failure).printStackTrace(err);
        }
        err.flush();
        return explained.exitCode.code;
    }

    /** Picocli's usage-error handling, minus the full help page that buries the one line that matters. */
    private static int badUsage(ParameterException failure, String[] args) {
        CommandLine command = failure.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("voxanne: " + failure.getMessage());
        UnmatchedArgumentException.printSuggestions(failure, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return ExitCode.USAGE.code;
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The version, filtered into {@code version.properties} by the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = VoxanneCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "voxanne " + p.getProperty("version", "unknown"),
                "embedded PostgreSQL " + p.getProperty("postgres", "unknown") + ", Java " + System.getProperty("java.version")
            };
        }
    }
}
