package com.voxanne.testkit.postgres;

import javax.sql.DataSource;

/**
 * A running PostgreSQL server for tests. Obtain the JVM's shared one with {@link TestPostgres#shared()}.
 *
 * <p>Databases come from {@link #template(String, TemplatePreparer)} (prepared once, then cloned) or
 * {@link #createDatabase()} (empty). Connect as the {@linkplain #loginRole() login role} for anything
 * that should be subject to row-level security; the admin connections are for setup only.
 */
public interface PostgresServer extends AutoCloseable {

    /** Which backend started this server. */
    PostgresBackend backend();

    /** The host to connect to. */
    String host();

    /** The port to connect to. */
    int port();

    /** The server's version as {@code server_version_num} (for example 170011). */
    int versionNumber();

    /** The server's major version (for example 17). */
    default int majorVersion() {
        return versionNumber() / 10000;
    }

    /** Whether pgaudit is in {@code shared_preload_libraries}, so {@code create extension pgaudit} works. */
    boolean pgauditPreloaded();

    /** A JDBC URL for the given database on this server, without credentials. */
    String jdbcUrl(String database);

    /** Connections to the given database as the admin role (superuser or equivalent): for setup only. */
    DataSource adminDataSource(String database);

    /** Connections to the given database as the {@linkplain #loginRole() login role}. */
    DataSource loginDataSource(String database);

    /**
     * The role tests connect as: LOGIN, NOINHERIT, not superuser, not BYPASSRLS, owns nothing, like
     * Supabase's {@code authenticator}. Grant it membership of the API roles once they exist.
     */
    String loginRole();

    /**
     * The template with this name, prepared by {@code preparer} the first time it is asked for in this
     * JVM. Later calls with the same name return the same template and do not call the preparer.
     */
    DatabaseTemplate template(String name, TemplatePreparer preparer);

    /** A new, empty database (cloned from {@code template0}); close it to drop it. */
    TestDatabase createDatabase();

    /** Drops the databases this JVM created and stops the server if this test kit started it. */
    @Override
    void close();
}
