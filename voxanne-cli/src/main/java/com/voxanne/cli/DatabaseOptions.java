package com.voxanne.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the database is, shared by every command that needs one (a picocli mixin). Which source wins is
 * decided in {@link Database#open}: flags, then {@code VOXANNE_DB_URL}, then the PG* variables, then the
 * embedded server.
 */
final class DatabaseOptions {

    @Option(names = "--url", paramLabel = "JDBC_URL",
            description = "The database, as jdbc:postgresql://host:port/database (default: $VOXANNE_DB_URL, then "
                    + "$PGHOST/$PGPORT/$PGDATABASE, then the embedded server).")
    String url;

    @Option(names = "--user", paramLabel = "ROLE", description = "The role to connect as (default: $PGUSER).")
    String user;

    // Prompting keeps the password out of the shell history and the process list.
    @Option(names = "--password", paramLabel = "PASSWORD", arity = "0..1", interactive = true, prompt = "Password: ",
            description = "Its password (default: $PGPASSWORD); without a value, asks for it.")
    String password;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory of the embedded server; it persists between runs "
                    + "(default: ~/.voxanne/embedded-postgres).")
    Path dataDir;

    @Option(names = "--fresh", description = "Delete the embedded server's data directory first.")
    boolean fresh;
}
