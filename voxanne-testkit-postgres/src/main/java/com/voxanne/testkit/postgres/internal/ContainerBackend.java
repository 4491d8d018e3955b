package com.voxanne.testkit.postgres.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** A PostgreSQL container on a local Docker engine, through Testcontainers. */
final class ContainerBackend {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerBackend.class);

    private ContainerBackend() {
    }

    static StartedProcess start(TestPostgresConfig config) throws UnavailableException {
        DockerClient docker = dockerClient();
        ensureImage(docker, config);
        String password = "vx-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of(
                "postgres",
                // Durability is worthless for throwaway test data and costs seconds per suite.
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=300"));
        if (config.pgaudit()) {
            command.addAll(List.of("-c", "shared_preload_libraries=pgaudit"));
        }
        // A non-official image is accepted as long as it honours the official image's contract.
        DockerImageName image = DockerImageName.parse(config.image()).asCompatibleSubstituteFor("postgres");
        PostgreSQLContainer container = new PostgreSQLContainer(image)
                .withUsername("postgres")
                .withPassword(password)
                .withDatabaseName("postgres");
        container.setCommand(command.toArray(String[]::new));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new UnavailableException("the container of " + config.image() + " did not start: " + e.getMessage(), e);
        }
        String host = container.getHost();
        int port = container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
        return new StartedProcess() {
            @Override public PostgresBackend backend() { return PostgresBackend.TESTCONTAINERS; }
            @Override public String host() { return host; }
            @Override public int port() { return port; }
            @Override public String maintenanceDatabase() { return "postgres"; }
            @Override public String adminUser() { return "postgres"; }
            @Override public String adminPassword() { return password; }
            @Override public void stop() { container.stop(); }
        };
    }

    private static DockerClient dockerClient() throws UnavailableException {
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
        } catch (ClassNotFoundException e) {
            throw new UnavailableException("Testcontainers is not on the classpath", e);
        }
        try {
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                throw new UnavailableException("no Docker engine answers");
            }
            return DockerClientFactory.instance().client();
        } catch (RuntimeException e) {
            throw new UnavailableException("no Docker engine answers: " + e.getMessage(), e);
        }
    }

    /**
     * Makes sure the image is there before Testcontainers starts, because Testcontainers would otherwise
     * pull without a time limit, which on a machine without a registry hangs for minutes.
     */
    private static void ensureImage(DockerClient docker, TestPostgresConfig config) throws UnavailableException {
        String image = config.image();
        try {
            docker.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException absent) {
            LOG.info("Image {} is not present locally; pulling it (at most {} s)", image, config.pullTimeout().toSeconds());
        } catch (RuntimeException e) {
            throw new UnavailableException("cannot inspect image " + image + ": " + e.getMessage(), e);
        }
        DockerImageName name = DockerImageName.parse(image);
        try {
            boolean done = docker.pullImageCmd(name.getUnversionedPart())
                    .withTag(name.getVersionPart())
                    .start()
                    .awaitCompletion(config.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                throw new UnavailableException("image " + image + " is not present and could not be pulled within "
                        + config.pullTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while pulling " + image, e);
        } catch (RuntimeException e) {
            throw new UnavailableException("image " + image + " is not present and could not be pulled: " + e.getMessage(), e);
        }
    }
}
