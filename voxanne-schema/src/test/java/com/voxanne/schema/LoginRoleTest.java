package com.voxanne.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.voxanne.schema.LoginRoleRefusedException.Reason;
import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link VoxanneSchema#loginRole} against a real server: the role it makes logs in, does the DAO's work
 * through {@link RequestBinding} and nothing without it; applying again changes nothing and a new password
 * replaces the old; an existing role is brought in line; every privileged role is refused with nothing
 * changed; bad names are refused before any SQL; a failure half-way leaves nothing; and it works for an
 * operator shaped like Supabase's {@code postgres} (CREATEROLE, not a superuser). Passwords are checked
 * only where the server checks them (the external backend; the embedded one trusts local connections).
 */
class LoginRoleTest {

    private static final String PASSWORD = "correct horse battery staple 1";
    /** rolsuper rolbypassrls rolinherit rolcanlogin rolcreatedb rolcreaterole rolconnlimit memberships password-kind. */
    private static final String AS_REQUIRED = "f f f t f f -1 authenticated,service_role SCRAM-SHA-256$";

    private TestDatabase db;
    /** Roles are cluster-wide: every one a test makes is dropped afterwards, newest first. */
    private final List<String> roles = new ArrayList<>();

    @BeforeEach
    void database() {
        db = SchemaTestSupport.migratedDatabase();
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

    private static VoxanneSchema schema(DataSource dataSource) {
        return VoxanneSchema.configure().dataSource(dataSource).load();
    }

    private VoxanneSchema asAdmin() {
        return schema(db.adminDataSource());
    }

    private DataSource loginAs(String role, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.jdbcUrl());
        ds.setUser(role);
        ds.setPassword(password);
        return ds;
    }

    private static void execute(DataSource ds, String... statements) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private String state(String role) throws SQLException {
        List<String> rows = SchemaTestSupport.adminColumn(db, "select concat_ws(' ', r.rolsuper, r.rolbypassrls, r.rolinherit,"
                + " r.rolcanlogin, r.rolcreatedb, r.rolcreaterole, r.rolconnlimit,"
                + " (select string_agg(distinct g.rolname, ',' order by g.rolname) from pg_auth_members m"
                + " join pg_roles g on g.oid = m.roleid where m.member = r.oid),"
                + " (select left(a.rolpassword, 14) from pg_authid a where a.oid = r.oid))"
                + " from pg_roles r where r.rolname = ?", role);
        return rows.isEmpty() ? "absent" : rows.get(0);
    }

    private String verifier(String role) throws SQLException {
        return SchemaTestSupport.adminColumn(db, "select rolpassword from pg_authid where rolname = ?", role).get(0);
    }

    /** Whether the server refuses a wrong password for {@code role} (the embedded server trusts local connections). */
    private boolean checksPasswords(String role) {
        try {
            execute(loginAs(role, "not the password"), "select 1");
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    /** As {@code role}, in one transaction bound to the service scope: creates an organization, returns its id. */
    private static UUID createOrganizationAs(DataSource login, String name) throws SQLException {
        try (Connection c = login.getConnection()) {
            c.setAutoCommit(false);
            RequestBinding.bind(c, RequestClaims.service());
            UUID id;
            try (PreparedStatement ps = c.prepareStatement("insert into public.organizations (name) values (?) returning id")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getObject(1, UUID.class);
                }
            }
            c.commit();
            return id;
        }
    }

    /** As {@code role}, bound as {@code user} of {@code org}: the organization names it sees. */
    private static List<String> organizationsSeenAs(DataSource login, UUID org, UUID user) throws SQLException {
        try (Connection c = login.getConnection()) {
            c.setAutoCommit(false);
            RequestBinding.bind(c, RequestClaims.user(org, user));
            List<String> names = SchemaTestSupport.column(c, "select name from public.organizations");
            c.commit();
            return names;
        }
    }

    private static String sqlState(Throwable failure) {
        SQLException sql = SqlFailures.find(failure);
        return sql == null ? null : sql.getSQLState();
    }

    @Test
    void createsARoleThatDoesTheDaosWorkThroughTheBindingAndNothingWithoutIt() throws SQLException {
        String role = newName("vx_app");

        LoginRoleResult result = asAdmin().loginRole(role).password(PASSWORD.toCharArray()).apply();

        assertThat(result).isEqualTo(new LoginRoleResult(role, true, List.of("LOGIN", "NOINHERIT", "NOSUPERUSER",
                "NOBYPASSRLS", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION"), List.of("authenticated", "service_role"),
                List.of(), true));
        assertThat(result.changed()).isTrue();
        assertThat(result.toString()).startsWith("login role " + role + ": created LOGIN NOINHERIT")
                .endsWith("granted authenticated, service_role; password set").doesNotContain(PASSWORD);
        assertThat(state(role)).isEqualTo(AS_REQUIRED);

        // control: bound, it does the DAO's work as the service and as a user of the clinic
        DataSource login = loginAs(role, PASSWORD);
        UUID clinic = createOrganizationAs(login, "Clinic " + role);
        UUID user = SchemaTestSupport.user(db, clinic);
        assertThat(organizationsSeenAs(login, clinic, user)).containsExactly("Clinic " + role);

        // attacks: unbound it has no right of its own (NOINHERIT), and it cannot switch to anon or the operator
        assertThatThrownBy(() -> execute(login, "select count(*) from public.organizations"))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo("42501"));
        assertThatThrownBy(() -> execute(login, "set role anon"))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo("42501"));
        String admin = SchemaTestSupport.adminColumn(db, "select current_user").get(0);
        assertThatThrownBy(() -> execute(login, "set role \"" + admin + "\""))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo("42501"));
    }

    @Test
    void applyingAgainChangesNothingAndANewPasswordReplacesTheOld() throws SQLException {
        String role = newName("vx_app");
        char[] mine = PASSWORD.toCharArray();
        LoginRole request = asAdmin().loginRole(role).password(mine);
        Arrays.fill(mine, '\0'); // the request holds its own copy
        request.apply();
        assertThatThrownBy(request::apply).isInstanceOf(IllegalStateException.class);
        execute(loginAs(role, PASSWORD), "select 1");

        LoginRoleResult again = asAdmin().loginRole(role).apply();
        assertThat(again).isEqualTo(new LoginRoleResult(role, false, List.of(), List.of(), List.of(), false));
        assertThat(again.changed()).isFalse();
        assertThat(again.toString()).isEqualTo("login role " + role + ": already as required; password kept");
        assertThat(state(role)).isEqualTo(AS_REQUIRED);
        execute(loginAs(role, PASSWORD), "select 1");

        String verifier = verifier(role);
        char[] second = "second secret".toCharArray();
        LoginRoleResult rotated = asAdmin().loginRole(role).password(second).apply();
        assertThat(second).as("the caller's array is the caller's: not zeroed").containsExactly("second secret".toCharArray());
        assertThat(rotated.passwordSet()).isTrue();
        assertThat(rotated.attributes()).isEmpty();
        assertThat(verifier(role)).startsWith("SCRAM-SHA-256$4096:").isNotEqualTo(verifier);
        execute(loginAs(role, "second secret"), "select 1");
        if (checksPasswords(role)) {
            assertThatThrownBy(() -> execute(loginAs(role, PASSWORD), "select 1"))
                    .satisfies(e -> assertThat(sqlState(e)).isEqualTo("28P01"));
        }
    }

    @Test
    void bringsAnExistingRoleInLine() throws SQLException {
        String role = newName("vx_app");
        execute(db.adminDataSource(), "create role " + role + " nologin inherit createdb createrole connection limit 3",
                "grant anon, authenticated to " + role);

        LoginRoleResult result = asAdmin().loginRole(role).password(PASSWORD.toCharArray()).connectionLimit(20).apply();

        assertThat(result).isEqualTo(new LoginRoleResult(role, false, List.of("LOGIN", "NOINHERIT", "NOCREATEDB",
                "NOCREATEROLE", "CONNECTION LIMIT 20"), List.of("service_role"), List.of("anon"), true));
        assertThat(state(role)).isEqualTo(AS_REQUIRED.replace(" -1 ", " 20 "));
        createOrganizationAs(loginAs(role, PASSWORD), "Clinic " + role);
    }

    @Test
    void badNamesAndValuesAreRefusedBeforeAnySql() {
        DataSource noSql = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    throw new AssertionError("no SQL expected, but " + method.getName() + " was called");
                });
        VoxanneSchema schema = schema(noSql);
        for (String name : new String[] {"Voxanne_App", "voxanne app", "x; drop role postgres", "vx\"app", "", "1app",
                "a".repeat(64), "vx_app--"}) {
            assertThatThrownBy(() -> schema.loginRole(name)).as(name).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be a lower-case SQL identifier");
        }
        assertThatThrownBy(() -> schema.loginRole(null)).isInstanceOf(IllegalArgumentException.class);
        for (String reserved : new String[] {"postgres", "authenticated", "anon", "service_role", "authenticator",
                "pg_monitor", "supabase_admin", "public", "none"}) {
            assertThatThrownBy(() -> schema.loginRole(reserved)).as(reserved).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + reserved + "' is a role of PostgreSQL or Supabase");
        }
        LoginRole request = schema.loginRole("a".repeat(63));
        assertThatThrownBy(() -> request.connectionLimit(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1 (no limit) or more, not -2");
        assertThatThrownBy(() -> request.password(new char[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> request.password("a\0b".toCharArray())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL character");
        // control: a good name, limit and password pass, and applying them is what reaches the data source
        request.connectionLimit(-1).password(PASSWORD.toCharArray());
        assertThat(request.toString()).isEqualTo("LoginRole[" + "a".repeat(63) + ", new password, connection limit -1]");
        assertThatThrownBy(request::apply).isInstanceOf(AssertionError.class).hasMessageContaining("getConnection");
    }

    @Test
    void refusesPrivilegedRolesAndChangesNothing() throws SQLException {
        String fresh = newName("vx_fresh");
        assertThat(asAdmin().loginRole(fresh).password(PASSWORD.toCharArray()).apply().created())
                .as("control: an unprivileged new name is fine").isTrue();

        String superuser = newName("vx_super");
        String bypass = newName("vx_bypass");
        String replication = newName("vx_repl");
        String owner = newName("vx_owner");
        String escalating = newName("vx_member");
        execute(db.adminDataSource(), "create role " + superuser + " login superuser password 'unchanged'",
                "create role " + bypass + " login bypassrls password 'unchanged'",
                "create role " + replication + " login replication password 'unchanged'",
                "create role " + owner + " login password 'unchanged'",
                "create table public.vx_owned_" + owner + " (id int)",
                "alter table public.vx_owned_" + owner + " owner to " + owner,
                "create role " + escalating + " login noinherit password 'unchanged'",
                "grant authenticated, " + owner + " to " + escalating);
        record Expected(Reason reason, String words) {
        }
        Map<String, Expected> expected = Map.of(
                superuser, new Expected(Reason.PRIVILEGED, "a superuser"),
                bypass, new Expected(Reason.PRIVILEGED, "BYPASSRLS"),
                replication, new Expected(Reason.PRIVILEGED, "a REPLICATION role"),
                owner, new Expected(Reason.OWNS_OBJECTS, "owns 1 object(s)"),
                escalating, new Expected(Reason.OTHER_MEMBERSHIP, "is a member of " + owner + ": SET ROLE"));
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            String role = e.getKey();
            String before = state(role);
            LoginRoleRefusedException refused = catchThrowableOfType(LoginRoleRefusedException.class,
                    () -> asAdmin().loginRole(role).password(PASSWORD.toCharArray()).connectionLimit(5).apply());
            assertThat(refused).as(role).isNotNull();
            assertThat(refused.reason()).isEqualTo(e.getValue().reason());
            assertThat(refused.role()).isEqualTo(role);
            assertThat(refused.getMessage()).startsWith("refusing role " + role + ": ").contains(e.getValue().words())
                    .endsWith("(nothing changed)").doesNotContain(PASSWORD);
            assertThat(state(role)).as("nothing changed for " + role).isEqualTo(before);
            execute(loginAs(role, "unchanged"), "select 1");
        }

        String absent = newName("vx_absent");
        LoginRoleRefusedException noPassword = catchThrowableOfType(LoginRoleRefusedException.class,
                () -> asAdmin().loginRole(absent).apply());
        assertThat(noPassword.reason()).isEqualTo(Reason.PASSWORD_NEEDED);
        assertThat(noPassword.getMessage()).contains("creating it needs a password");
        assertThat(state(absent)).isEqualTo("absent");
    }

    @Test
    void worksForAnOperatorShapedLikeSupabasesPostgres() throws SQLException {
        // Hosted Supabase's postgres: NOSUPERUSER CREATEROLE CREATEDB REPLICATION BYPASSRLS, and ADMIN OPTION on
        // the API roles (Supabase's role dumps). A non-superuser may not even restate NOSUPERUSER in ALTER ROLE.
        String operator = newName("vx_sb_postgres");
        execute(db.adminDataSource(), "create role " + operator + " login createrole createdb replication bypassrls password 'operator-pw'",
                "grant anon, authenticated, service_role to " + operator + " with admin option");
        VoxanneSchema asOperator = schema(loginAs(operator, "operator-pw"));

        String before = state(operator);
        LoginRoleRefusedException self = catchThrowableOfType(LoginRoleRefusedException.class,
                () -> asOperator.loginRole(operator).password(PASSWORD.toCharArray()).apply());
        assertThat(self.reason()).isEqualTo(Reason.OPERATOR);
        assertThat(self.getMessage()).contains("it is the role the connection is logged in as");
        assertThat(state(operator)).isEqualTo(before);

        String created = newName("vx_app");
        assertThat(asOperator.loginRole(created).password(PASSWORD.toCharArray()).apply().created()).isTrue();
        assertThat(state(created)).isEqualTo(AS_REQUIRED);
        createOrganizationAs(loginAs(created, PASSWORD), "Clinic " + created);

        String existing = newName("vx_app");
        execute(loginAs(operator, "operator-pw"), "create role " + existing + " login inherit password 'old'");
        LoginRoleResult aligned = asOperator.loginRole(existing).password(PASSWORD.toCharArray()).apply();
        assertThat(aligned.attributes()).containsExactly("NOINHERIT");
        assertThat(aligned.granted()).containsExactly("authenticated", "service_role");
        assertThat(state(existing)).isEqualTo(AS_REQUIRED);
    }

    @Test
    void aFailureHalfWayLeavesNothing() throws SQLException {
        // An operator that may create roles but not grant service_role (PostgreSQL 16 and later want ADMIN OPTION
        // on a role to grant it; on 15 CREATEROLE is enough, so there the whole change goes through instead).
        String operator = newName("vx_half_admin");
        execute(db.adminDataSource(), "create role " + operator + " login createrole password 'operator-pw'",
                "grant authenticated to " + operator + " with admin option");
        int version = Integer.parseInt(SchemaTestSupport.adminColumn(db, "show server_version_num").get(0));
        String role = newName("vx_app");

        if (version >= 160000) {
            SchemaException failure = catchThrowableOfType(SchemaException.class,
                    () -> schema(loginAs(operator, "operator-pw")).loginRole(role).password(PASSWORD.toCharArray()).apply());
            assertThat(failure).isNotNull().isNotInstanceOf(LoginRoleRefusedException.class);
            assertThat(failure.getMessage()).startsWith("login role " + role + ": SQLSTATE 42501").doesNotContain(PASSWORD);
            assertThat(sqlState(failure)).as("the SQLSTATE is kept for callers").isEqualTo("42501");
            assertThat(state(role)).as("the role created before the failed grant is rolled back").isEqualTo("absent");
        } else {
            schema(loginAs(operator, "operator-pw")).loginRole(role).password(PASSWORD.toCharArray()).apply();
            assertThat(state(role)).isEqualTo(AS_REQUIRED);
        }
    }
}
