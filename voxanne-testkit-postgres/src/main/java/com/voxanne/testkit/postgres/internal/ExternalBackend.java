package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** A server someone else runs; this test kit only creates (and drops) databases on it. */
final class ExternalBackend {

    private ExternalBackend() {
    }

    static StartedProcess start(TestPostgresConfig config) throws UnavailableException {
        String url = config.externalUrl().orElseThrow(() -> new UnavailableException("no URL is configured"));
        URI uri = URI.create(url.substring("jdbc:".length()));
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String path = uri.getPath();
        String database = path == null || path.length() <= 1 ? "postgres" : path.substring(1);
        Properties props = new Properties();
        props.setProperty("user", config.adminUser());
        props.setProperty("password", config.adminPassword());
        props.setProperty("connectTimeout", "5");
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw new UnavailableException("cannot connect to " + url + " as " + config.adminUser() + ": " + e.getMessage(), e);
        }
        return new StartedProcess() {
            @Override public PostgresBackend backend() { return PostgresBackend.EXTERNAL; }
            @Override public String host() { return host; }
            @Override public int port() { return port; }
            @Override public String maintenanceDatabase() { return database; }
            @Override public String adminUser() { return config.adminUser(); }
            @Override public String adminPassword() { return config.adminPassword(); }
            @Override public void stop() { }
        };
    }
}
