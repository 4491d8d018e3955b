package com.voxanne.cli;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;

/** Runs {@code voxanne} in-process, as {@code main} would, with captured output and a chosen environment. */
final class Cli {

    private Cli() {
    }

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Run run(Map<String, String> environment, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VoxanneCli.commandLine(environment);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args.toArray(String[]::new));
        return new Run(exitCode, out.toString(), err.toString());
    }

    /** Runs with an empty environment, so that nothing from the machine leaks in. */
    static Run run(String... args) {
        return run(Map.of(), List.of(args));
    }

    /** Runs {@code command} on {@code db} as the server's admin role, given by flags. */
    static Run onDatabase(TestDatabase db, String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(connectionFlags(db.jdbcUrl(), admin(db).getUser(), admin(db).getPassword()));
        return run(Map.of(), args);
    }

    static List<String> connectionFlags(String url, String user, String password) {
        List<String> args = new ArrayList<>(List.of("--url", url, "--user", user));
        // An empty --password would make the CLI prompt; trust servers need none.
        if (password != null && !password.isEmpty()) {
            args.add("--password=" + password);
        }
        return args;
    }

    /** The admin role's settings, read from the test kit's data source rather than guessed per backend. */
    static PGSimpleDataSource admin(TestDatabase db) {
        try {
            return db.adminDataSource().unwrap(PGSimpleDataSource.class);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shared server's database with every migration applied, cloned per test. */
    static TestDatabase migratedDatabase() {
        DatabaseTemplate template = server().template("voxanne-cli-migrated",
                db -> VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate());
        return template.newDatabase();
    }

    static PostgresServer server() {
        return TestPostgres.shared();
    }

    static void execute(DataSource ds, String... statements) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
