package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Each backend, started on its own: a database is created and the login role bypasses nothing. */
class BackendTest {

    @Test
    void embedded() throws SQLException {
        check(TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).build());
    }

    @Test
    void testcontainers() throws SQLException {
        TestPostgresConfig env = TestPostgresConfig.fromEnvironment();
        check(TestPostgresConfig.builder().backend(PostgresBackend.TESTCONTAINERS)
                .image(env.image()).pgaudit(env.pgaudit()).build());
    }

    @Test
    void external() throws SQLException {
        // Its own variable, so that CI can test the external backend while the rest of the suite runs on
        // another one.
        String url = System.getenv("VOXANNE_TEST_EXTERNAL_URL");
        assumeTrue(url != null || RequiredBackends.required(PostgresBackend.EXTERNAL),
                "VOXANNE_TEST_EXTERNAL_URL is not set");
        check(TestPostgresConfig.builder().backend(PostgresBackend.EXTERNAL)
                .externalUrl(url)
                .adminUser(System.getenv().getOrDefault("VOXANNE_TEST_EXTERNAL_ADMIN_USER", "postgres"))
                .adminPassword(System.getenv().getOrDefault("VOXANNE_TEST_EXTERNAL_ADMIN_PASSWORD", ""))
                .build());
    }

    private static void check(TestPostgresConfig config) throws SQLException {
        try (PostgresServer server = RequiredBackends.start(config);
             TestDatabase db = server.createDatabase()) {
            assertThat(server.backend()).isEqualTo(config.backend().orElseThrow());
            assertThat(server.majorVersion()).isGreaterThanOrEqualTo(15);
            try (Connection c = db.loginDataSource().getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_user, current_database(), r.rolsuper, r.rolbypassrls,"
                         + " r.rolinherit, r.rolcreatedb, r.rolcreaterole"
                         + " from pg_roles r where r.rolname = current_user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(server.loginRole());
                assertThat(rs.getString(2)).isEqualTo(db.name());
                assertThat(rs.getBoolean("rolsuper")).as("login role is superuser").isFalse();
                assertThat(rs.getBoolean("rolbypassrls")).as("login role bypasses RLS").isFalse();
                assertThat(rs.getBoolean("rolinherit")).as("login role inherits").isFalse();
                assertThat(rs.getBoolean("rolcreatedb")).isFalse();
                assertThat(rs.getBoolean("rolcreaterole")).isFalse();
            }
        }
    }
}
