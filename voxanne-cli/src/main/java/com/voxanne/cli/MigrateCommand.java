package com.voxanne.cli;

import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.VoxanneSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code voxanne migrate}: the main job. */
@Command(name = "migrate", description = "Apply every pending migration, each in its own transaction.")
final class MigrateCommand extends DatabaseCommand {

    @Option(names = "--verify", description = "Then print the verification checklist; exit 3 if an item FAILs.")
    boolean verify;

    @Override
    ExitCode run(Database database) {
        VoxanneSchema schema = schema(database, "applied");
        MigrationResult result = schema.migrate();
        result.warnings().forEach(w -> err().println("voxanne: warning: " + w));
        String from = result.initialVersion() == null ? "an empty database" : "version " + result.initialVersion();
        if (result.applied().isEmpty()) {
            out().println("migrate: up to date at version " + result.currentVersion() + "; nothing to apply");
        } else {
            out().println("migrate: " + result.applied().size() + " migration(s) applied, from " + from
                    + " to version " + result.currentVersion());
        }
        out().flush();
        return verify ? VerifyCommand.print(schema.verify(), out()) : ExitCode.OK;
    }
}
