package com.voxanne.cli;

import com.voxanne.schema.RollbackResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code voxanne rollback}: undoes migrations newer than a version, all in one transaction. */
@Command(name = "rollback", description = {"Undo every migration newer than --to, newest first, in one transaction.",
        "Refused when it would delete data (rows in a table it drops), unless --force,",
        "and on a database distributed by Citus below version 17."})
final class RollbackCommand extends DatabaseCommand {

    private String target;

    @Option(names = "--force", description = "Roll back even if that deletes data.")
    boolean force;

    /** Checked while parsing, so that a typo is a usage error before anything connects. */
    @Option(names = "--to", paramLabel = "VERSION", required = true, description = "The version to return to (0: all).")
    void target(String version) {
        if (!version.matches("\\d+(\\.\\d+)*")) {
            throw new ParameterException(spec.commandLine(), "--to must be a migration version such as 5, not '" + version + "'");
        }
        this.target = version;
    }

    @Override
    ExitCode run(Database database) {
        RollbackResult result = schema(database, "undid").rollbackTo(target, force);
        if (result.undone().isEmpty()) {
            out().println("rollback: nothing to undo; the database is at version " + result.fromVersion());
        } else {
            out().println("rollback: " + result.undone().size() + " migration(s) undone, from version "
                    + result.fromVersion() + " to " + result.toVersion());
        }
        out().flush();
        return ExitCode.OK;
    }
}
