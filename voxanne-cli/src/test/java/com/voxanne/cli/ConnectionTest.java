package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.voxanne.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where the database comes from (flags, VOXANNE_DB_URL, PG* variables) and what a person sees when it
 * cannot be used: one line, a distinct exit code, no stack trace.
 */
class ConnectionTest {

    private TestDatabase db;
    /** Roles are cluster-wide: unique names, dropped after each test, so a shared server stays clean. */
    private final String role = "vx_cli_" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void createDatabase() {
        db = Cli.server().createDatabase();
    }

    @AfterEach
    void dropDatabaseAndRole() throws SQLException {
        db.close();
        // From another database: the role may own the one just dropped.
        try (TestDatabase other = Cli.server().createDatabase()) {
            execute(other.adminDataSource(), "drop role if exists " + role);
        }
    }

    @Test
    void aClosedPortIsUnreachable() throws IOException {
        Cli.Run run = Cli.run("info", "--url", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres");

        assertOneLineFailure(run, ExitCode.UNREACHABLE, "cannot reach the database server", "refused");
    }

    @Test
    void anUnknownHostIsUnreachable() {
        Cli.Run run = Cli.run("info", "--url", "jdbc:postgresql://no-such-host.invalid:5432/postgres");

        assertOneLineFailure(run, ExitCode.UNREACHABLE, "unknown host no-such-host.invalid");
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailure() throws SQLException {
        execute(db.adminDataSource(), "create role " + role + " login password 'right'");
        assumeTrue(refusesWrongPassword(),
                "this server trusts local connections (the embedded backend): no password can be wrong here;"
                        + " the Testcontainers and external backends use scram and run this test");

        Cli.Run run = Cli.run(Map.of(), withCommand("info", Cli.connectionFlags(db.jdbcUrl(), role, "wrong")));

        assertOneLineFailure(run, ExitCode.AUTHENTICATION, "refused to log in", "password authentication failed");
    }

    @Test
    void aRoleThatMayNotLogInIsAnAuthenticationFailure() throws SQLException {
        // 28000 after a correct password (scram) or without one (trust): the mapping runs on every server.
        execute(db.adminDataSource(), "create role " + role + " nologin password 'right'");

        Cli.Run run = Cli.run(Map.of(), withCommand("info", Cli.connectionFlags(db.jdbcUrl(), role, "right")));

        assertOneLineFailure(run, ExitCode.AUTHENTICATION, "refused to log in", "not permitted to log in");
    }

    @Test
    void aRoleWithoutTheNeededPrivilegesIsToldSo() throws SQLException {
        // Owner of the database, so it may create tables, but neither superuser nor BYPASSRLS nor CREATEROLE.
        execute(db.adminDataSource(), "create role " + role + " login password 'pw' nosuperuser nocreaterole nobypassrls",
                "alter database \"" + db.name() + "\" owner to " + role);

        Cli.Run run = Cli.run(Map.of(), withCommand("migrate", Cli.connectionFlags(db.jdbcUrl(), role, "pw")));

        assertOneLineFailure(run, ExitCode.PRIVILEGE, "missing privilege", "superuser");
    }

    @Test
    void flagsWinOverVoxanneDbUrlWhichWinsOverPgVariables() throws IOException {
        PGSimpleDataSource admin = Cli.admin(db);
        Map<String, String> env = new HashMap<>(Map.of(
                "PGHOST", Cli.server().host(), "PGPORT", String.valueOf(Cli.server().port()), "PGDATABASE", db.name(),
                "PGUSER", admin.getUser(), "PGPASSWORD", admin.getPassword()));

        Cli.Run pg = Cli.run(env, List.of("info"));
        assertThat(pg.exitCode()).as(pg.toString()).isZero();
        assertThat(pg.err()).contains("database " + db.name(), "(from PGHOST/PGPORT/PGDATABASE)");

        env.put("VOXANNE_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres");
        assertThat(Cli.run(env, List.of("info")).exitCode()).isEqualTo(ExitCode.UNREACHABLE.code);

        Cli.Run flag = Cli.run(env, List.of("info", "--url", db.jdbcUrl()));
        assertThat(flag.exitCode()).as(flag.toString()).isZero();
        assertThat(flag.err()).contains("(from --url)");

        env.put("VOXANNE_DB_URL", db.jdbcUrl());
        Cli.Run url = Cli.run(env, List.of("info"));
        assertThat(url.exitCode()).as(url.toString()).isZero();
        assertThat(url.err()).contains("(from VOXANNE_DB_URL)", "as " + admin.getUser());
    }

    @Test
    void unusableSettingsAreUsageErrors() {
        assertOneLineFailure(Cli.run("info", "--url", "postgres://localhost/db"), ExitCode.USAGE, "not a PostgreSQL JDBC URL");
        assertOneLineFailure(Cli.run("info", "--url", db.jdbcUrl(), "--fresh"), ExitCode.USAGE, "--fresh");
        assertOneLineFailure(Cli.run(Map.of("PGHOST", "/var/run/postgresql"), List.of("info")), ExitCode.USAGE, "Unix socket");
        assertOneLineFailure(Cli.run(Map.of("PGPORT", "fifty"), List.of("info")), ExitCode.USAGE, "PGPORT");
        assertThat(Cli.run("rollback", "--to", "five").exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(Cli.run("rollback").err()).contains("--to");
        assertThat(Cli.run("migrate", "--no-such-option").exitCode()).isEqualTo(ExitCode.USAGE.code);
    }

    @Test
    void verboseAddsTheStackTraceBeforeOrAfterTheCommand() throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort() + "/postgres";
        assertThat(Cli.run("--verbose", "info", "--url", url).err()).contains("\tat ", "Caused by: org.postgresql");
        assertThat(Cli.run("info", "--url", url, "--verbose").err()).contains("\tat ");
    }

    private static List<String> withCommand(String command, List<String> flags) {
        return Stream.concat(Stream.of(command), flags.stream()).toList();
    }

    /** The failure is the last line of standard error, alone, after at most the line saying where the database is. */
    private static void assertOneLineFailure(Cli.Run run, ExitCode expected, String... fragments) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(expected.code);
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("Try '")).toList();
        assertThat(lines).as(run.toString()).hasSizeBetween(1, 2).allMatch(l -> l.startsWith("voxanne: "));
        assertThat(lines.get(lines.size() - 1)).as(run.toString()).contains(fragments);
        assertThat(run.out()).isEmpty();
    }

    private boolean refusesWrongPassword() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.jdbcUrl());
        ds.setUser(role);
        ds.setPassword("wrong");
        try (Connection ignored = ds.getConnection()) {
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    /** A port nothing listens on: bound by the OS, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
