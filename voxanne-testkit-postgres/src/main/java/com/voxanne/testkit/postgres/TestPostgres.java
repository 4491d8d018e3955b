package com.voxanne.testkit.postgres;

import com.voxanne.testkit.postgres.internal.Backends;

/**
 * Where tests get their PostgreSQL server.
 *
 * <pre>{@code
 * PostgresServer server = TestPostgres.shared();
 * DatabaseTemplate migrated = server.template("my-schema", db -> migrate(db.adminDataSource()));
 * try (TestDatabase db = migrated.newDatabase()) {
 *     DataSource app = db.loginDataSource();   // not superuser, not BYPASSRLS
 *     ...
 * }
 * }</pre>
 */
public final class TestPostgres {

    private static final Object LOCK = new Object();
    private static volatile PostgresServer shared;

    private TestPostgres() {
    }

    /**
     * The JVM's shared server, started on first use from {@link TestPostgresConfig#fromEnvironment()} and
     * stopped when the JVM exits.
     *
     * @throws NoPostgresAvailableException when no backend can start, with what to do about it
     */
    public static PostgresServer shared() {
        PostgresServer server = shared;
        if (server == null) {
            synchronized (LOCK) {
                server = shared;
                if (server == null) {
                    server = Backends.start(TestPostgresConfig.fromEnvironment());
                    PostgresServer stopping = server;
                    Runtime.getRuntime().addShutdownHook(new Thread(stopping::close, "voxanne-test-postgres-stop"));
                    shared = server;
                }
            }
        }
        return server;
    }

    /**
     * A server of its own, started from {@code config}; the caller closes it.
     *
     * @throws NoPostgresAvailableException when the configured backend (or, for auto, every backend)
     *     cannot start
     */
    public static PostgresServer start(TestPostgresConfig config) {
        return Backends.start(config);
    }
}
