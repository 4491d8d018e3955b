package com.voxanne.cli;

import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.ServiceMigrations;
import com.voxanne.schema.VoxanneSchema;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code voxanne migrate}: the main job. */
@Command(name = "migrate", description = "Apply every pending migration, each in its own transaction.")
final class MigrateCommand extends DatabaseCommand {

    @Option(names = "--verify", description = "Then print the verification checklist; exit 3 if an item FAILs.")
    boolean verify;

    @Mixin
    ServiceMigrationOptions services;

    @Override
    List<ServiceMigrations> serviceMigrations() {
        return services.services;
    }

    @Override
    ExitCode run(Database database) {
        VoxanneSchema schema = schema(database, "applied");
        MigrationResult result = schema.migrate();
        result.warnings().forEach(w -> err().println("voxanne: warning: " + w));
        summary("", result);
        result.services().forEach((historyTable, service) -> {
            service.warnings().forEach(w -> err().println("voxanne: warning: " + historyTable + ": " + w));
            summary(historyTable + ": ", service);
        });
        out().flush();
        return verify ? VerifyCommand.print(schema.verify(), out()) : ExitCode.OK;
    }

    /** One line: what was applied, from which version to which; {@code who} is empty for Voxanne's. */
    private void summary(String who, MigrationResult result) {
        String from = result.initialVersion() != null ? "version " + result.initialVersion()
                : who.isEmpty() ? "an empty database" : "no history";
        if (result.applied().isEmpty()) {
            out().println("migrate: " + who + "up to date at version " + result.currentVersion() + "; nothing to apply");
        } else {
            out().println("migrate: " + who + result.applied().size() + " migration(s) applied, from " + from
                    + " to version " + result.currentVersion());
        }
    }
}
