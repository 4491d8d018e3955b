package com.voxanne.security;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the privilege attack tests share: the SQL sessions an attacker can get (each API role bound on a
 * login-role connection the way PostgREST and the DAO bind it, or the login role itself with nothing
 * bound), raw claims an attacker could forge, and fresh databases to migrate and roll back.
 */
final class PrivilegeAttackSupport {

    /** The SQLSTATE {@link #attempt} reports when the statement succeeded. */
    static final String SUCCESS = "00000";

    /**
     * The role and claims binding PostgREST and the DAO send first in a transaction, reduced to what an
     * attacker controls (the DAO's binding also sets timeouts and blanks the per-claim settings).
     */
    static final String BIND_SQL = "select set_config('role', ?, true), set_config('request.jwt.claims', ?, true)";

    private PrivilegeAttackSupport() {
    }

    /** A session an attacker can hold on the pool's login role. */
    enum Caller {
        ANON, AUTHENTICATED, SERVICE_ROLE,
        /** The login role with no role bound: what a connection leaked or used before binding can do. */
        LOGIN_ROLE;

        /** The claims bound for this caller; authenticated acts as a random user of a random organization. */
        RequestClaims claims() {
            return switch (this) {
                case ANON -> RequestClaims.anonymous();
                case AUTHENTICATED -> RequestClaims.user(UUID.randomUUID(), UUID.randomUUID());
                case SERVICE_ROLE -> RequestClaims.service();
                case LOGIN_ROLE -> null;
            };
        }
    }

    /** Work on one connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** A statement an attacker runs, expected to fail or not. */
    @FunctionalInterface
    interface SqlAction {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a login-role connection with {@code claims} bound ({@code
     * null}: nothing bound, the login role acts as itself); commits when {@code commit}, else rolls back.
     */
    static <T> T as(DataSource login, RequestClaims claims, boolean commit, SqlWork<T> work) throws SQLException {
        return asRaw(login, claims == null ? null : claims.role().roleName(), claims == null ? null : claims.toJson(),
                commit, work);
    }

    /**
     * Like {@link #as} with any role name and claims text an attacker could put in the binding (for example
     * claims without {@code sub}); both {@code null}: nothing bound.
     */
    static <T> T asRaw(DataSource login, String role, String claimsJson, boolean commit, SqlWork<T> work)
            throws SQLException {
        try (Connection c = login.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (role != null) {
                    try (PreparedStatement ps = c.prepareStatement(BIND_SQL)) {
                        ps.setString(1, role);
                        ps.setString(2, claimsJson);
                        ps.execute();
                    }
                }
                T result = work.apply(c);
                if (commit) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Runs {@code sql} as {@code caller} and rolls back; returns its SQLSTATE ({@link #SUCCESS} when it ran). */
    static String attempt(DataSource login, Caller caller, String sql, Object... params) {
        return sqlState(() -> as(login, caller.claims(), false, c -> execute(c, sql, params)));
    }

    /** The SQLSTATE of what {@code action} threw, {@link #SUCCESS} when it threw nothing. */
    static String sqlState(SqlAction action) {
        try {
            action.run();
            return SUCCESS;
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /** The exception {@code action} threw; fails when it threw none. */
    static SQLException failure(SqlAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected the statement to be refused, but it succeeded");
    }

    /** Executes one statement; returns its update count (-1 for a query). */
    static int execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params)) {
            boolean query = ps.execute();
            return query ? -1 : ps.getUpdateCount();
        }
    }

    /** A query's first column as text. */
    static List<String> column(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    /** A query's first column of its single row, as text. */
    static String value(Connection c, String sql, Object... params) throws SQLException {
        List<String> values = column(c, sql, params);
        if (values.size() != 1) {
            throw new AssertionError("expected one row from " + sql + ", got " + values);
        }
        return values.get(0);
    }

    /** Executes statements as the admin role, each on its own (setup and inspection only). */
    static void admin(DataSource admin, String... statements) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** A query's first column as text, as the admin role. */
    static List<String> adminColumn(DataSource admin, String sql, Object... params) throws SQLException {
        try (Connection c = admin.getConnection()) {
            return column(c, sql, params);
        }
    }

    static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        return ps;
    }

    /** Voxanne's migrations on {@code db}, run by its admin role. */
    static VoxanneSchema schema(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
    }

    /**
     * A new empty database (not a clone of a migrated template), migrated by the admin role, whose login
     * role may switch to the API roles. Close it to drop it.
     */
    static TestDatabase freshMigratedDatabase() throws SQLException {
        TestDatabase db = TestPostgres.shared().createDatabase();
        try {
            schema(db).migrate();
            grantApiRoles(db);
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /**
     * Creates the API roles where they are missing, as Supabase has them (the migrations create them too,
     * but a test may need them before migrating), and lets the login role switch to them. Roles are
     * cluster-wide, so this is idempotent.
     */
    static void grantApiRoles(TestDatabase db) throws SQLException {
        admin(db.adminDataSource(), API_ROLES,
                "grant anon, authenticated, service_role to \"" + db.server().loginRole() + "\"");
    }

    /** The API roles, created where missing (service_role BYPASSRLS needs a superuser before PostgreSQL 16). */
    static final String API_ROLES = """
            do $$
            begin
              if not exists (select 1 from pg_roles where rolname = 'anon') then
                create role anon nologin noinherit;
              end if;
              if not exists (select 1 from pg_roles where rolname = 'authenticated') then
                create role authenticated nologin noinherit;
              end if;
              if not exists (select 1 from pg_roles where rolname = 'service_role') then
                create role service_role nologin noinherit bypassrls;
              end if;
            end $$""";

    /** Creates an organization as the admin role and returns its id. */
    static UUID organization(DataSource admin, String name) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = admin.getConnection()) {
            execute(c, "insert into public.organizations (id, name) values (?, ?)", id, name);
        }
        return id;
    }

    /** Creates a user of {@code org} in auth.users as the admin role, as sign-up would; returns its id. */
    static UUID user(DataSource admin, UUID org) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = admin.getConnection()) {
            com.voxanne.schema.session.AuthUsers.create(c, id, id + "@example.test", org);
        }
        return id;
    }
}
