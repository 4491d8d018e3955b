package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code voxanne.test.login-url}: the login role's connections go where it says (a pooler), with this
 * test's database and the URL's parameters, while admin connections stay on the server itself.
 */
class LoginUrlTest {

    /** Nothing listens on port 1: a login connection that went there fails, one that did not succeeds. */
    private static final String NOWHERE = "jdbc:postgresql://127.0.0.1:1/postgres?prepareThreshold=0";

    @Test
    void loginConnectionsGoThroughTheLoginUrlAndAdminConnectionsStayDirect() throws SQLException {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).loginUrl(NOWHERE).build();
        try (PostgresServer server = RequiredBackends.start(config);
             TestDatabase db = server.createDatabase()) {
            PGSimpleDataSource login = (PGSimpleDataSource) db.loginDataSource();
            assertThat(login.getServerNames()).containsExactly("127.0.0.1");
            assertThat(login.getPortNumbers()).containsExactly(1);
            assertThat(login.getDatabaseName()).as("the test's database, not the URL's").isEqualTo(db.name());
            assertThat(login.getUser()).isEqualTo(server.loginRole());
            assertThat(login.getPrepareThreshold()).as("the URL's parameters are kept").isZero();
            assertThatThrownBy(login::getConnection).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));

            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(db.name());
            }
        }
    }

    @Test
    void withoutALoginUrlTheLoginRoleConnectsToTheServerItself() throws SQLException {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).build();
        try (PostgresServer server = RequiredBackends.start(config);
             TestDatabase db = server.createDatabase();
             Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_user, current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(server.loginRole());
            assertThat(rs.getString(2)).isEqualTo(db.name());
            assertThat(((PGSimpleDataSource) db.loginDataSource()).getPortNumbers()).containsExactly(server.port());
        }
    }

    @Test
    void isReadFromThePropertyOrTheEnvironmentAndMustBeAPostgresJdbcUrl() {
        Properties props = new Properties();
        assertThat(TestPostgresConfig.fromSources(props, Map.of("VOXANNE_TEST_LOGIN_URL", NOWHERE)).loginUrl()).contains(NOWHERE);
        props.setProperty("voxanne.test.login-url", "jdbc:postgresql://127.0.0.1:6432/postgres");
        assertThat(TestPostgresConfig.fromSources(props, Map.of("VOXANNE_TEST_LOGIN_URL", NOWHERE)).loginUrl())
                .contains("jdbc:postgresql://127.0.0.1:6432/postgres");
        assertThat(TestPostgresConfig.fromSources(new Properties(), Map.of()).loginUrl()).isEmpty();
        assertThatThrownBy(() -> TestPostgresConfig.builder().loginUrl("127.0.0.1:6432"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:postgresql:");
    }
}
