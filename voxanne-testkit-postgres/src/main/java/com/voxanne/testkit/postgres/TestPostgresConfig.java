package com.voxanne.testkit.postgres;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * How to obtain the test PostgreSQL server. Immutable; build one with {@link #builder()} or read the
 * defaults from system properties and environment variables with {@link #fromEnvironment()}.
 *
 * <p>Every setting has a system property (which wins) and an environment variable:
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>system property</th><th>environment variable</th><th>meaning</th></tr>
 *   <tr><td>voxanne.test.backend</td><td>VOXANNE_TEST_BACKEND</td>
 *       <td>{@code auto} (default), {@code external}, {@code testcontainers}, {@code embedded} or {@code citus}
 *       (never chosen by {@code auto})</td></tr>
 *   <tr><td>voxanne.test.url</td><td>VOXANNE_TEST_URL</td>
 *       <td>JDBC URL of an external server's admin database; setting it makes {@code auto} use it</td></tr>
 *   <tr><td>voxanne.test.admin-user</td><td>VOXANNE_TEST_ADMIN_USER</td><td>admin role (default postgres)</td></tr>
 *   <tr><td>voxanne.test.admin-password</td><td>VOXANNE_TEST_ADMIN_PASSWORD</td><td>its password</td></tr>
 *   <tr><td>voxanne.test.image</td><td>VOXANNE_TEST_IMAGE</td>
 *       <td>Docker image for Testcontainers (default {@value #DEFAULT_IMAGE})</td></tr>
 *   <tr><td>voxanne.test.pgaudit</td><td>VOXANNE_TEST_PGAUDIT</td>
 *       <td>{@code true} preloads pgaudit in the container (the image must ship it)</td></tr>
 *   <tr><td>voxanne.test.docker-timeout</td><td>VOXANNE_TEST_DOCKER_TIMEOUT</td>
 *       <td>seconds the whole Testcontainers attempt may take (finding the Docker engine, pulling the image,
 *       starting the container, the first connection) before it gives up (default 60); its older name
 *       {@code voxanne.test.pull-timeout} / {@code VOXANNE_TEST_PULL_TIMEOUT} is read when it is unset</td></tr>
 *   <tr><td>voxanne.test.login-role</td><td>VOXANNE_TEST_LOGIN_ROLE</td>
 *       <td>the non-superuser login role tests connect as (default {@value #DEFAULT_LOGIN_ROLE})</td></tr>
 *   <tr><td>voxanne.test.login-password</td><td>VOXANNE_TEST_LOGIN_PASSWORD</td><td>its password</td></tr>
 *   <tr><td>voxanne.test.login-url</td><td>VOXANNE_TEST_LOGIN_URL</td>
 *       <td>JDBC URL the login role's connections go through instead of the server's own (a connection pooler
 *       such as PgBouncer in front of it); each test's database replaces the URL's, its parameters are kept
 *       (behind a transaction-mode pooler add {@code prepareThreshold=0}); admin connections stay direct</td></tr>
 * </table>
 */
public final class TestPostgresConfig {

    /** The image Testcontainers runs unless configured otherwise. */
    public static final String DEFAULT_IMAGE = "postgres:17";
    /** The login role tests connect as unless configured otherwise. */
    public static final String DEFAULT_LOGIN_ROLE = "voxanne_authenticator";

    static final Setting BACKEND = new Setting("voxanne.test.backend", "VOXANNE_TEST_BACKEND");
    static final Setting URL = new Setting("voxanne.test.url", "VOXANNE_TEST_URL");
    static final Setting ADMIN_USER = new Setting("voxanne.test.admin-user", "VOXANNE_TEST_ADMIN_USER");
    static final Setting ADMIN_PASSWORD = new Setting("voxanne.test.admin-password", "VOXANNE_TEST_ADMIN_PASSWORD");
    static final Setting IMAGE = new Setting("voxanne.test.image", "VOXANNE_TEST_IMAGE");
    static final Setting PGAUDIT = new Setting("voxanne.test.pgaudit", "VOXANNE_TEST_PGAUDIT");
    static final Setting DOCKER_TIMEOUT = new Setting("voxanne.test.docker-timeout", "VOXANNE_TEST_DOCKER_TIMEOUT");
    /** The older name of {@link #DOCKER_TIMEOUT}, read when that is unset. */
    static final Setting PULL_TIMEOUT = new Setting("voxanne.test.pull-timeout", "VOXANNE_TEST_PULL_TIMEOUT");
    static final Setting LOGIN_ROLE = new Setting("voxanne.test.login-role", "VOXANNE_TEST_LOGIN_ROLE");
    static final Setting LOGIN_PASSWORD = new Setting("voxanne.test.login-password", "VOXANNE_TEST_LOGIN_PASSWORD");
    static final Setting LOGIN_URL = new Setting("voxanne.test.login-url", "VOXANNE_TEST_LOGIN_URL");

    private final PostgresBackend backend;
    private final String externalUrl;
    private final String adminUser;
    private final String adminPassword;
    private final String image;
    private final boolean pgaudit;
    private final Duration dockerTimeout;
    private final String loginRole;
    private final String loginPassword;
    private final String loginUrl;
    private final boolean embeddedAllowed;

    private TestPostgresConfig(Builder b) {
        this.backend = b.backend;
        this.externalUrl = b.externalUrl;
        this.adminUser = b.adminUser;
        this.adminPassword = b.adminPassword;
        this.image = b.image;
        this.pgaudit = b.pgaudit;
        this.dockerTimeout = b.dockerTimeout;
        this.loginRole = b.loginRole;
        this.loginPassword = b.loginPassword;
        this.loginUrl = b.loginUrl;
        this.embeddedAllowed = b.embeddedAllowed;
    }

    /** A builder with the defaults (auto backend, no external URL). */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration given by system properties and environment variables (see the class doc). */
    public static TestPostgresConfig fromEnvironment() {
        return fromSources(System.getProperties(), System.getenv());
    }

    static TestPostgresConfig fromSources(Properties properties, Map<String, String> environment) {
        Builder b = builder();
        Sources s = new Sources(properties, environment);
        s.get(BACKEND).ifPresent(v -> b.backend(parseBackend(v)));
        s.get(URL).ifPresent(b::externalUrl);
        s.get(ADMIN_USER).ifPresent(b::adminUser);
        s.get(ADMIN_PASSWORD).ifPresent(b::adminPassword);
        s.get(IMAGE).ifPresent(b::image);
        s.get(PGAUDIT).ifPresent(v -> b.pgaudit(Boolean.parseBoolean(v)));
        s.get(DOCKER_TIMEOUT).map(v -> parseSeconds(DOCKER_TIMEOUT, v))
                .or(() -> s.get(PULL_TIMEOUT).map(v -> parseSeconds(PULL_TIMEOUT, v)))
                .ifPresent(seconds -> b.dockerTimeout(Duration.ofSeconds(seconds)));
        s.get(LOGIN_ROLE).ifPresent(b::loginRole);
        s.get(LOGIN_PASSWORD).ifPresent(b::loginPassword);
        s.get(LOGIN_URL).ifPresent(b::loginUrl);
        return b.build();
    }

    private static long parseSeconds(Setting setting, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting.describe() + " must be a number of seconds, not '" + value + "'", e);
        }
    }

    private static PostgresBackend parseBackend(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("auto")) {
            return null;
        }
        for (PostgresBackend backend : PostgresBackend.values()) {
            if (backend.name().toLowerCase(Locale.ROOT).equals(v)) {
                return backend;
            }
        }
        throw new IllegalArgumentException(BACKEND.describe() + " must be auto, external, testcontainers, embedded or citus, not '" + value + "'");
    }

    /** The backend to use, or empty for auto (external if a URL is set, then Testcontainers, then embedded). */
    public Optional<PostgresBackend> backend() {
        return Optional.ofNullable(backend);
    }

    /** JDBC URL of the external server's admin database, if one is configured. */
    public Optional<String> externalUrl() {
        return Optional.ofNullable(externalUrl);
    }

    /** The admin role for the external server. */
    public String adminUser() {
        return adminUser;
    }

    /** The admin role's password for the external server (may be empty). */
    public String adminPassword() {
        return adminPassword;
    }

    /** The Docker image Testcontainers runs. */
    public String image() {
        return image;
    }

    /** Whether the container preloads pgaudit ({@code shared_preload_libraries=pgaudit}). */
    public boolean pgaudit() {
        return pgaudit;
    }

    /**
     * How long the whole Testcontainers attempt may take: finding the Docker engine, pulling the image if
     * it is absent, starting the container and the first connection. When it runs out, {@code auto} goes
     * on to the embedded server and an explicit {@code testcontainers} fails, naming the step that did not
     * finish.
     */
    public Duration dockerTimeout() {
        return dockerTimeout;
    }

    /**
     * The older name of {@link #dockerTimeout()}.
     *
     * @deprecated use {@link #dockerTimeout()}
     */
    @Deprecated
    public Duration pullTimeout() {
        return dockerTimeout;
    }

    /** The non-superuser login role tests connect as. */
    public String loginRole() {
        return loginRole;
    }

    /** The login role's password. */
    public String loginPassword() {
        return loginPassword;
    }

    /** The JDBC URL the login role's connections go through (a pooler), if not the server's own. */
    public Optional<String> loginUrl() {
        return Optional.ofNullable(loginUrl);
    }

    /** Whether {@code auto} may fall back to the embedded backend. */
    public boolean embeddedAllowed() {
        return embeddedAllowed;
    }

    @Override
    public String toString() {
        return "TestPostgresConfig[backend=" + (backend == null ? "auto" : backend)
                + ", externalUrl=" + externalUrl + ", image=" + image + ", pgaudit=" + pgaudit
                + ", loginRole=" + loginRole + (loginUrl == null ? "" : ", loginUrl=" + loginUrl) + "]";
    }

    /** Builds a {@link TestPostgresConfig}. */
    public static final class Builder {
        private PostgresBackend backend;
        private String externalUrl;
        private String adminUser = "postgres";
        private String adminPassword = "";
        private String image = DEFAULT_IMAGE;
        private boolean pgaudit;
        private Duration dockerTimeout = Duration.ofSeconds(60);
        private String loginRole = DEFAULT_LOGIN_ROLE;
        private String loginPassword = "voxanne-test-login";
        private String loginUrl;
        private boolean embeddedAllowed = true;

        private Builder() {
        }

        /** Forces one backend; {@code null} means auto. */
        public Builder backend(PostgresBackend backend) {
            this.backend = backend;
            return this;
        }

        /** The external server's admin JDBC URL ({@code jdbc:postgresql://host:port/database}). */
        public Builder externalUrl(String url) {
            if (url != null && !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("the external URL must start with jdbc:postgresql:, not '" + url + "'");
            }
            this.externalUrl = url;
            return this;
        }

        /** The external server's admin role. */
        public Builder adminUser(String user) {
            this.adminUser = Objects.requireNonNull(user, "adminUser");
            return this;
        }

        /** The external server's admin password. */
        public Builder adminPassword(String password) {
            this.adminPassword = Objects.requireNonNull(password, "adminPassword");
            return this;
        }

        /** The Docker image for Testcontainers; a non-official image must behave like the official one. */
        public Builder image(String image) {
            this.image = Objects.requireNonNull(image, "image");
            return this;
        }

        /** Preload pgaudit in the container. */
        public Builder pgaudit(boolean pgaudit) {
            this.pgaudit = pgaudit;
            return this;
        }

        /** How long the whole Testcontainers attempt may take (see {@link TestPostgresConfig#dockerTimeout()}). */
        public Builder dockerTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the Docker timeout must be positive, not " + timeout);
            }
            this.dockerTimeout = timeout;
            return this;
        }

        /**
         * The older name of {@link #dockerTimeout(Duration)}.
         *
         * @deprecated use {@link #dockerTimeout(Duration)}
         */
        @Deprecated
        public Builder pullTimeout(Duration timeout) {
            return dockerTimeout(timeout);
        }

        /** The login role tests connect as. */
        public Builder loginRole(String role) {
            if (!role.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("login role must be a lower-case SQL identifier, not '" + role + "'");
            }
            this.loginRole = role;
            return this;
        }

        /** The login role's password. */
        public Builder loginPassword(String password) {
            this.loginPassword = Objects.requireNonNull(password, "loginPassword");
            return this;
        }

        /**
         * The JDBC URL the login role's connections go through, such as a PgBouncer in front of the server
         * ({@code jdbc:postgresql://127.0.0.1:6432/postgres?prepareThreshold=0}); {@code null}: the server's own.
         */
        public Builder loginUrl(String url) {
            if (url != null && !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("the login URL must start with jdbc:postgresql:, not '" + url + "'");
            }
            this.loginUrl = url;
            return this;
        }

        /** Whether {@code auto} may fall back to the embedded backend (default true). */
        public Builder embeddedAllowed(boolean allowed) {
            this.embeddedAllowed = allowed;
            return this;
        }

        /** The configuration. */
        public TestPostgresConfig build() {
            return new TestPostgresConfig(this);
        }
    }

    /** One setting's two names. */
    record Setting(String property, String environmentVariable) {
        String describe() {
            return "-D" + property + " or " + environmentVariable;
        }
    }

    private record Sources(Properties properties, Map<String, String> environment) {
        Optional<String> get(Setting setting) {
            String value = properties.getProperty(setting.property());
            if (value == null || value.isBlank()) {
                value = environment.get(setting.environmentVariable());
            }
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
        }
    }
}
