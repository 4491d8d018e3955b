package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.NoPostgresAvailableException;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses and starts a backend: the configured one, or the first that works in the documented order. */
public final class Backends {

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * Starts a server as {@code config} says.
     *
     * @throws NoPostgresAvailableException naming every backend tried, why it failed, and how to enable each
     */
    public static PostgresServer start(TestPostgresConfig config) {
        return start(config, null);
    }

    /** As {@link #start(TestPostgresConfig)}, finding the Docker engine with {@code discovery} if not null. */
    static PostgresServer start(TestPostgresConfig config, ContainerBackend.Discovery discovery) {
        List<PostgresBackend> candidates = candidates(config);
        Map<PostgresBackend, UnavailableException> failures = new LinkedHashMap<>();
        for (PostgresBackend backend : candidates) {
            long started = System.nanoTime();
            try {
                StartedProcess process = startOne(backend, config, discovery);
                ManagedServer server = ManagedServer.open(process, config);
                LOG.info("Test PostgreSQL {} on {}:{} via {} ready in {} ms", server.versionNumber(), process.host(),
                        process.port(), backend.title(), (System.nanoTime() - started) / 1_000_000);
                return server;
            } catch (UnavailableException e) {
                LOG.info("{} is not available (after {} ms): {}", backend.title(),
                        (System.nanoTime() - started) / 1_000_000, e.getMessage());
                failures.put(backend, e);
            }
        }
        throw new NoPostgresAvailableException(explain(config, failures), failures.values().stream().findFirst().orElse(null));
    }

    static List<PostgresBackend> candidates(TestPostgresConfig config) {
        if (config.backend().isPresent()) {
            return List.of(config.backend().get());
        }
        List<PostgresBackend> order = new ArrayList<>();
        if (config.externalUrl().isPresent()) {
            // A configured URL is a decision, not a hint: do not silently test against something else.
            order.add(PostgresBackend.EXTERNAL);
            return order;
        }
        order.add(PostgresBackend.TESTCONTAINERS);
        if (config.embeddedAllowed()) {
            order.add(PostgresBackend.EMBEDDED);
        }
        return order;
    }

    private static StartedProcess startOne(PostgresBackend backend, TestPostgresConfig config,
                                           ContainerBackend.Discovery discovery) throws UnavailableException {
        return switch (backend) {
            case EXTERNAL -> ExternalBackend.start(config);
            case TESTCONTAINERS -> discovery == null ? ContainerBackend.start(config) : ContainerBackend.start(config, discovery);
            case EMBEDDED -> EmbeddedBackend.start();
            case CITUS -> CitusBackend.start();
        };
    }

    static String explain(TestPostgresConfig config, Map<PostgresBackend, UnavailableException> failures) {
        StringBuilder text = new StringBuilder("No PostgreSQL server for the tests (")
                .append(config.backend().map(b -> "backend " + b.name().toLowerCase(java.util.Locale.ROOT)).orElse("backend auto"))
                .append(").\n");
        failures.forEach((backend, failure) -> text.append("  tried ").append(backend.title()).append(": ")
                .append(failure.getMessage()).append('\n'));
        text.append("There are four ways to get one; choose with ").append("-Dvoxanne.test.backend or VOXANNE_TEST_BACKEND")
                .append(" (auto, external, testcontainers, embedded, citus):\n");
        for (PostgresBackend backend : PostgresBackend.values()) {
            text.append("  - ").append(backend.name().toLowerCase(java.util.Locale.ROOT)).append(" (")
                    .append(backend.title()).append("): ").append(backend.howToEnable()).append('\n');
        }
        return text.toString();
    }
}
