package com.voxanne.cli;

import com.voxanne.schema.MigrationStatus;
import com.voxanne.schema.MigrationStatus.State;
import com.voxanne.schema.ServiceMigrations;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code voxanne info}: every migration, applied or pending. */
@Command(name = "info", description = "List the applied and pending migrations (a service's below Voxanne's).")
final class InfoCommand extends DatabaseCommand {

    private static final DateTimeFormatter INSTALLED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Mixin
    ServiceMigrationOptions services;

    @Override
    List<ServiceMigrations> serviceMigrations() {
        return services.services;
    }

    @Override
    ExitCode run(Database database) {
        List<MigrationStatus> all = schema(database).info();
        List<MigrationStatus> migrations = all.stream().filter(MigrationStatus::isVoxanne).collect(Collectors.toList());
        print(migrations, "current version: %s; %d pending%n", "none (empty database)");
        // each service's migrations below Voxanne's, under its history table, in the order given
        Map<String, List<MigrationStatus>> theirs = all.stream().filter(m -> !m.isVoxanne())
                .collect(Collectors.groupingBy(MigrationStatus::historyTable, LinkedHashMap::new, Collectors.toList()));
        theirs.forEach((historyTable, statuses) -> {
            out().println();
            out().println(historyTable + ":");
            print(statuses, historyTable + " current version: %s; %d pending%n", "none");
        });
        String future = migrations.stream().filter(m -> m.state() == State.FUTURE).map(MigrationStatus::version)
                .collect(Collectors.joining(", "));
        if (!future.isEmpty()) {
            // Informational here; migrate and rollback refuse such a database.
            err().println("voxanne: warning: version(s) " + future + " were applied by a newer voxanne; use that version");
        }
        return ExitCode.OK;
    }

    private void print(List<MigrationStatus> migrations, String summary, String none) {
        Table table = new Table("VERSION", "DESCRIPTION", "STATE", "INSTALLED");
        migrations.forEach(m -> table.row(m.version(), m.description(), m.state(),
                m.installedOn() == null ? "" : INSTALLED.format(m.installedOn())));
        table.print(out());
        String current = migrations.stream()
                .filter(m -> m.state() == State.APPLIED || m.state() == State.BASELINE || m.state() == State.FUTURE)
                .reduce((first, last) -> last).map(MigrationStatus::version).orElse(none);
        long pending = migrations.stream().filter(m -> m.state() == State.PENDING).count();
        out().printf(summary, current, pending);
        out().flush();
    }
}
