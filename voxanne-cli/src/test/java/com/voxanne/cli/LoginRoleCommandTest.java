package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.Organization;
import com.voxanne.dao.Voxanne;
import com.voxanne.testkit.postgres.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;

/**
 * {@code voxanne login-role} against a real server: the role it makes is one {@link Voxanne#create}
 * accepts and that can do the DAO's work, it is idempotent, it brings a role in line, it refuses every
 * privileged role with nothing changed, the password never comes from the command line, and it works for
 * an operator shaped like Supabase's {@code postgres} (CREATEROLE, not a superuser).
 */
class LoginRoleCommandTest {

    private static final String PASSWORD = "correct horse battery staple 1";

    private TestDatabase db;
    /** Roles are cluster-wide: every one a test makes is dropped afterwards, newest first. */
    private final List<String> roles = new ArrayList<>();

    @BeforeEach
    void database() {
        db = Cli.migratedDatabase();
    }

    @AfterEach
    void dropRoles() throws SQLException {
        try {
            for (int i = roles.size() - 1; i >= 0; i--) {
                execute(db.adminDataSource(), "do $$ begin if exists (select from pg_roles where rolname = '" + roles.get(i)
                        + "') then drop owned by " + roles.get(i) + "; drop role " + roles.get(i) + "; end if; end $$");
            }
        } finally {
            db.close();
        }
    }

    private String newName(String prefix) {
        String name = prefix + "_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        roles.add(name);
        return name;
    }

    /** Runs {@code voxanne login-role ...} on the test database as the admin role, with this environment and standard input. */
    private Cli.Run loginRole(Map<String, String> env, String stdin, String... args) {
        return loginRoleAs(Cli.admin(db).getUser(), Cli.admin(db).getPassword(), env, stdin, args);
    }

    private Cli.Run loginRoleAs(String operator, String operatorPassword, Map<String, String> env, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("login-role"));
        all.addAll(List.of(args));
        all.addAll(Cli.connectionFlags(db.jdbcUrl(), operator, operatorPassword));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VoxanneCli.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        ((LoginRoleCommand) cli.getSubcommands().get("login-role").getCommand()).stdin =
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int code = cli.execute(all.toArray(String[]::new));
        Cli.Run run = new Cli.Run(code, out.toString(), err.toString());
        assertThat(run.out() + run.err()).as("the password is never printed").doesNotContain(PASSWORD).doesNotContain("second secret");
        return run;
    }

    private DataSource loginAs(String role, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.jdbcUrl());
        ds.setUser(role);
        ds.setPassword(password);
        return ds;
    }

    /** rolsuper, rolbypassrls, rolinherit, rolcanlogin, rolcreatedb, rolcreaterole (t/f), rolconnlimit, memberships, password kind. */
    private String state(String role) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select concat_ws(' ', r.rolsuper, r.rolbypassrls, r.rolinherit,"
                     + " r.rolcanlogin, r.rolcreatedb, r.rolcreaterole, r.rolconnlimit,"
                     + " (select string_agg(distinct g.rolname, ',' order by g.rolname) from pg_auth_members m"
                     + " join pg_roles g on g.oid = m.roleid where m.member = r.oid),"
                     + " (select left(a.rolpassword, 14) from pg_authid a where a.oid = r.oid))"
                     + " from pg_roles r where r.rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "absent";
            }
        }
    }

    private String verifier(String role) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select rolpassword from pg_authid where rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private boolean checksPasswords(String role) {
        try {
            execute(loginAs(role, "not the password"), "select 1");
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    private static final String AS_REQUIRED = "f f f t f f -1 authenticated,service_role SCRAM-SHA-256$";

    @Test
    void createsARoleTheDaoAcceptsAndThatDoesTheDaosWork() throws SQLException {
        String role = newName("vx_app");

        Cli.Run run = loginRole(Map.of("APP_DB_PASSWORD", PASSWORD), "", role, "--password-env", "APP_DB_PASSWORD");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("created role " + role + " (LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS",
                "granted authenticated, service_role to " + role, "password set (the server received a SCRAM-SHA-256 verifier",
                role + " is ready for the DAO's pool");
        assertThat(state(role)).isEqualTo(AS_REQUIRED);
        Voxanne voxanne = Voxanne.create(loginAs(role, PASSWORD)); // refuses a superuser or BYPASSRLS login
        Organization clinic = voxanne.service().organizations().create("Clinic " + role, "America/New_York");
        assertThat(voxanne.service().organizations().get(clinic.id()).name()).isEqualTo("Clinic " + role);
    }

    @Test
    void runningAgainChangesNothingAndANewPasswordFromStandardInputReplacesTheOld() throws SQLException {
        String role = newName("vx_app");
        assertThat(loginRole(Map.of("PW", PASSWORD), "", role, "--password-env", "PW").exitCode()).isZero();

        Cli.Run again = loginRole(Map.of(), "", role);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("role " + role + " exists with the right attributes",
                "is a member of authenticated and service_role only", "password unchanged").doesNotContain("created", "granted");
        assertThat(state(role)).isEqualTo(AS_REQUIRED);
        execute(loginAs(role, PASSWORD), "select 1");

        String verifier = verifier(role);
        Cli.Run rotated = loginRole(Map.of(), "second secret\nignored line\n", role, "--password-stdin");
        assertThat(rotated.exitCode()).as(rotated.toString()).isZero();
        assertThat(rotated.out()).contains("password set");
        assertThat(verifier(role)).startsWith("SCRAM-SHA-256$4096:").isNotEqualTo(verifier);
        execute(loginAs(role, "second secret"), "select 1");
        // The embedded server trusts local connections; the others check passwords.
        if (checksPasswords(role)) {
            assertThatThrownBy(() -> execute(loginAs(role, PASSWORD), "select 1")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
        }
    }

    @Test
    void bringsAnExistingRoleInLine() throws SQLException {
        String role = newName("vx_app");
        execute(db.adminDataSource(), "create role " + role + " nologin inherit createdb createrole connection limit 3",
                "grant anon, authenticated to " + role);

        Cli.Run run = loginRole(Map.of("PW", PASSWORD), "", role, "--password-env", "PW", "--connection-limit", "20");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("altered role " + role + ": LOGIN NOINHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT 20",
                "granted service_role to " + role, "revoked anon from " + role);
        assertThat(state(role)).isEqualTo(AS_REQUIRED.replace(" -1 ", " 20 "));
        Voxanne.create(loginAs(role, PASSWORD));
    }

    @Test
    void refusesPrivilegedRolesAndChangesNothing() throws SQLException {
        for (String reserved : new String[] {"postgres", "authenticated", "anon", "service_role", "authenticator",
                "pg_monitor", "supabase_admin"}) {
            Cli.Run run = loginRole(Map.of("PW", PASSWORD), "", reserved, "--password-env", "PW");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code);
            assertThat(run.err()).contains("'" + reserved + "' is a role of PostgreSQL or Supabase");
        }
        Cli.Run fresh = loginRole(Map.of("PW", PASSWORD), "", newName("vx_fresh"), "--password-env", "PW");
        assertThat(fresh.exitCode()).as("control: an unprivileged new name is fine").isZero();

        String superuser = newName("vx_super");
        String bypass = newName("vx_bypass");
        String owner = newName("vx_owner");
        String escalating = newName("vx_member");
        execute(db.adminDataSource(), "create role " + superuser + " login superuser password 'unchanged'",
                "create role " + bypass + " login bypassrls password 'unchanged'",
                "create role " + owner + " login password 'unchanged'",
                "create table public.vx_owned_" + owner + " (id int)",
                "alter table public.vx_owned_" + owner + " owner to " + owner,
                "create role " + escalating + " login noinherit password 'unchanged'",
                "grant authenticated, " + owner + " to " + escalating);
        Map<String, String> expected = Map.of(superuser, "a superuser", bypass, "BYPASSRLS", owner, "owns 1 object(s)",
                escalating, "is a member of " + owner + ": SET ROLE");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String before = state(e.getKey());
            Cli.Run run = loginRole(Map.of("PW", PASSWORD), "", e.getKey(), "--password-env", "PW");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE.code);
            assertThat(run.err()).contains("refusing role " + e.getKey() + ": ", e.getValue(), "(nothing changed)");
            assertThat(state(e.getKey())).as("nothing changed for " + e.getKey()).isEqualTo(before);
            execute(loginAs(e.getKey(), "unchanged"), "select 1");
        }
    }

    @Test
    void thePasswordNeverComesFromTheCommandLine() throws SQLException {
        String role = newName("vx_app");
        Cli.Run noPassword = loginRole(Map.of(), "", role);
        assertThat(noPassword.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(noPassword.err()).contains("creating it needs a password: --password-env VARIABLE or --password-stdin");
        Cli.Run unset = loginRole(Map.of(), "", role, "--password-env", "NOT_SET");
        assertThat(unset.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(unset.err()).contains("no password in environment variable NOT_SET");
        Cli.Run emptyStdin = loginRole(Map.of(), "", role, "--password-stdin");
        assertThat(emptyStdin.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(emptyStdin.err()).contains("no password in standard input");
        Cli.Run both = loginRole(Map.of("PW", PASSWORD), PASSWORD, role, "--password-env", "PW", "--password-stdin");
        assertThat(both.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(state(role)).isEqualTo("absent");

        Cli.Run badLimit = Cli.run("login-role", role, "--connection-limit", "-2");
        assertThat(badLimit.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(badLimit.err()).contains("--connection-limit must be -1 (no limit) or more, not -2");
        Cli.Run help = Cli.run("login-role", "--help");
        assertThat(help.out()).contains("--password-env", "--password-stdin", "--connection-limit");
    }

    @Test
    void worksForAnOperatorShapedLikeSupabasesPostgres() throws SQLException {
        // Hosted Supabase's postgres: NOSUPERUSER CREATEROLE CREATEDB REPLICATION BYPASSRLS, and ADMIN OPTION on
        // the API roles (Supabase's role dumps). A non-superuser may not even restate NOSUPERUSER in ALTER ROLE.
        String operator = newName("vx_sb_postgres");
        execute(db.adminDataSource(), "create role " + operator + " login createrole createdb replication bypassrls password 'operator-pw'",
                "grant anon, authenticated, service_role to " + operator + " with admin option");
        Cli.Run self = loginRoleAs(operator, "operator-pw", Map.of("PW", PASSWORD), "", operator, "--password-env", "PW");
        assertThat(self.exitCode()).as(self.toString()).isEqualTo(ExitCode.USAGE.code);
        assertThat(self.err()).contains("refusing role " + operator + ": it is the role this command is logged in as");
        String created = newName("vx_app");
        String existing = newName("vx_app");
        Cli.Run create = loginRoleAs(operator, "operator-pw", Map.of("PW", PASSWORD), "", created, "--password-env", "PW");
        assertThat(create.exitCode()).as(create.toString()).isZero();
        assertThat(state(created)).isEqualTo(AS_REQUIRED);
        Voxanne.create(loginAs(created, PASSWORD)).service().organizations().create("Clinic " + created, "UTC");

        execute(loginAs(operator, "operator-pw"), "create role " + existing + " login inherit password 'old'");
        Cli.Run align = loginRoleAs(operator, "operator-pw", Map.of(), PASSWORD + "\n", existing, "--password-stdin");
        assertThat(align.exitCode()).as(align.toString()).isZero();
        assertThat(align.out()).contains("altered role " + existing + ": NOINHERIT");
        assertThat(state(existing)).isEqualTo(AS_REQUIRED);
    }

    @Test
    void aMissingPrivilegeIsExitCode8WithNothingChanged() throws SQLException {
        // Creating roles but not granting service_role: PostgreSQL 16 and later want ADMIN OPTION to grant a role
        // (15 does not, so there the command succeeds).
        String operator = newName("vx_half_admin");
        execute(db.adminDataSource(), "create role " + operator + " login createrole password 'operator-pw'",
                "grant authenticated to " + operator + " with admin option");
        String role = newName("vx_app");
        Cli.Run run = loginRoleAs(operator, "operator-pw", Map.of("PW", PASSWORD), "", role, "--password-env", "PW");
        int version;
        try (Connection c = db.adminDataSource().getConnection(); PreparedStatement ps = c.prepareStatement("show server_version_num");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            version = rs.getInt(1);
        }
        if (version >= 160000) {
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.PRIVILEGE.code);
            assertThat(run.err()).contains("missing privilege: login role " + role + ": SQLSTATE 42501");
            assertThat(state(role)).isEqualTo("absent");
        } else {
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(state(role)).isEqualTo(AS_REQUIRED);
        }
    }
}
