package com.voxanne.cli;

import com.voxanne.schema.ServiceMigrations;
import com.voxanne.schema.VoxanneSchema;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that works on one database: it gets the connection options, an open {@link Database} for the
 * duration of {@link #run}, and the embedded server stopped afterwards whatever happens. Commands that
 * need the DAO module (audit archive, demo) extend this too.
 */
abstract class DatabaseCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions connection;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        VoxanneCli cli = (VoxanneCli) spec.root().userObject();
        // bad usage (two services with one history table) is told before connecting or starting a server
        withServices(VoxanneSchema.configure());
        try (Database database = Database.open(connection, cli.environment, err())) {
            return run(database).code;
        }
    }

    /** Does the work; failures are thrown and explained by {@link Failures}. */
    abstract ExitCode run(Database database) throws Exception;

    /** A service's migrations beside Voxanne's, for the commands that take {@code --service-migrations}. */
    List<ServiceMigrations> serviceMigrations() {
        return List.of();
    }

    /** The schema API on {@code database}. */
    VoxanneSchema schema(Database database) {
        return withServices(VoxanneSchema.configure().dataSource(database.dataSource)).load();
    }

    /**
     * The schema API on {@code database}, printing one line per migration or rollback step as it completes
     * (a service's steps name its history table).
     */
    VoxanneSchema schema(Database database, String verb) {
        PrintWriter out = out();
        return withServices(VoxanneSchema.configure().dataSource(database.dataSource))
                .listener(step -> {
                    out.printf("  %s %sV%-4s %-40s %6d ms%n", verb, step.isVoxanne() ? "" : step.historyTable() + " ",
                            step.version(), step.description(), step.millis());
                    out.flush();
                })
                .load();
    }

    private VoxanneSchema.Configuration withServices(VoxanneSchema.Configuration configuration) {
        for (ServiceMigrations service : serviceMigrations()) {
            try {
                configuration.serviceMigrations(service);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--service-migrations: " + e.getMessage());
            }
        }
        return configuration;
    }

    /** Results: what a script would parse. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Diagnostics: where the database is, warnings, errors. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
