package com.voxanne.testkit.postgres;

import javax.sql.DataSource;

/** One database on a {@link PostgresServer}, owned by the test that asked for it. Closing it drops it. */
public interface TestDatabase extends AutoCloseable {

    /** The database's name on the server. */
    String name();

    /** The server it lives on. */
    PostgresServer server();

    /** A JDBC URL for this database, without credentials. */
    default String jdbcUrl() {
        return server().jdbcUrl(name());
    }

    /** Connections as the admin role: for setup only, never for code under test. */
    default DataSource adminDataSource() {
        return server().adminDataSource(name());
    }

    /** Connections as the non-superuser {@linkplain PostgresServer#loginRole() login role}. */
    default DataSource loginDataSource() {
        return server().loginDataSource(name());
    }

    /** Drops the database, closing any connection still open to it. */
    @Override
    void close();
}
