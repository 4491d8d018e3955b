package com.voxanne.cli;

import com.voxanne.schema.MigrationStatus;
import com.voxanne.schema.MigrationStatus.State;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code voxanne info}: every migration, applied or pending. */
@Command(name = "info", description = "List the applied and pending migrations.")
final class InfoCommand extends DatabaseCommand {

    private static final DateTimeFormatter INSTALLED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Override
    ExitCode run(Database database) {
        List<MigrationStatus> migrations = schema(database).info();
        Table table = new Table("VERSION", "DESCRIPTION", "STATE", "INSTALLED");
        migrations.forEach(m -> table.row(m.version(), m.description(), m.state(),
                m.installedOn() == null ? "" : INSTALLED.format(m.installedOn())));
        table.print(out());
        String current = migrations.stream()
                .filter(m -> m.state() == State.APPLIED || m.state() == State.BASELINE || m.state() == State.FUTURE)
                .reduce((first, last) -> last).map(MigrationStatus::version).orElse("none (empty database)");
        long pending = migrations.stream().filter(m -> m.state() == State.PENDING).count();
        out().printf("current version: %s; %d pending%n", current, pending);
        out().flush();
        String future = migrations.stream().filter(m -> m.state() == State.FUTURE).map(MigrationStatus::version)
                .collect(Collectors.joining(", "));
        if (!future.isEmpty()) {
            // Informational here; migrate and rollback refuse such a database.
            err().println("voxanne: warning: version(s) " + future + " were applied by a newer voxanne; use that version");
        }
        return ExitCode.OK;
    }
}
