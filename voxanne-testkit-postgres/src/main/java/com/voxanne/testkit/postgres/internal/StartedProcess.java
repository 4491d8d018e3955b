package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.PostgresBackend;
import java.util.List;

/** What a backend hands over once its server accepts connections. */
interface StartedProcess {

    PostgresBackend backend();

    String host();

    int port();

    /** The database admin connections use when no other is named (for CREATE DATABASE and roles). */
    String maintenanceDatabase();

    String adminUser();

    String adminPassword();

    /**
     * The ports, on {@link #host()}, of the servers that must hold every database created on this one beside
     * it (a Citus cluster's workers); empty for a single server.
     */
    default List<Integer> workerPorts() {
        return List.of();
    }

    /** Stops the server if this test kit started it; a no-op for an external server. */
    void stop();
}
