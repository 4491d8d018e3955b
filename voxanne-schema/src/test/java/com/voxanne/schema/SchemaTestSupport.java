package com.voxanne.schema;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.PostgresServer;
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
 * What the schema's tests share: a migrated template on the JVM's test server, and acting as a user or
 * the service role through {@link RequestBinding}, exactly as the DAO does.
 */
final class SchemaTestSupport {

    private SchemaTestSupport() {
    }

    /** The shared server's template with every migration applied. */
    static DatabaseTemplate migrated() {
        return TestPostgres.shared().template("voxanne-schema-migrated", db -> {
            VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate();
            grantApiRoles(db.server(), db.adminDataSource());
        });
    }

    /** A fresh copy of the migrated database. */
    static TestDatabase migratedDatabase() {
        return migrated().newDatabase();
    }

    /** Lets the login role switch to the API roles, as Supabase's authenticator can. Cluster-wide. */
    static void grantApiRoles(PostgresServer server, DataSource admin) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("grant anon, authenticated, service_role to \"" + server.loginRole() + "\"");
        }
    }

    /** Work done on one connection inside a bound transaction. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** Runs {@code work} as {@code claims} through the login role in one transaction, then commits. */
    static <T> T as(TestDatabase db, RequestClaims claims, SqlWork<T> work) throws SQLException {
        return as(db, claims, RequestBinding.Placement.SINGLE_SERVER, work);
    }

    /** As {@link #as(TestDatabase, RequestClaims, SqlWork)}, bound in the form {@code placement} needs. */
    static <T> T as(TestDatabase db, RequestClaims claims, RequestBinding.Placement placement, SqlWork<T> work)
            throws SQLException {
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                RequestBinding.bind(c, claims, RoleTimeouts.defaults(), placement);
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Runs one statement as {@code claims}; returns the update count. */
    static int update(TestDatabase db, RequestClaims claims, String sql, Object... params) throws SQLException {
        return as(db, claims, c -> {
            try (PreparedStatement ps = prepare(c, sql, params)) {
                return ps.executeUpdate();
            }
        });
    }

    /** Runs a query as {@code claims}; returns the first column of every row as text. */
    static List<String> column(TestDatabase db, RequestClaims claims, String sql, Object... params) throws SQLException {
        return as(db, claims, c -> column(c, sql, params));
    }

    static List<String> column(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    /** Runs a statement as the admin role (setup only). */
    static void admin(TestDatabase db, String sql, Object... params) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection(); PreparedStatement ps = prepare(c, sql, params)) {
            ps.execute();
        }
    }

    /** A query's first column as text, as the admin role. */
    static List<String> adminColumn(TestDatabase db, String sql, Object... params) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
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

    /** Creates an organization (as admin) and returns its id. */
    static UUID organization(TestDatabase db, String name) throws SQLException {
        UUID id = UUID.randomUUID();
        admin(db, "insert into public.organizations (id, name) values (?, ?)", id, name);
        return id;
    }

    /** Creates a user of {@code org} in auth.users, as Supabase would, and returns its id. */
    static UUID user(TestDatabase db, UUID org) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = db.adminDataSource().getConnection()) {
            com.voxanne.schema.session.AuthUsers.create(c, id, id + "@example.test", org);
        }
        return id;
    }
}
