package com.voxanne.testkit.postgres;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a backend test may be skipped when its backend is missing. CI lists every backend in
 * VOXANNE_TEST_REQUIRE_BACKENDS so that none of them can rot unnoticed; a developer's machine may lack
 * Docker, and then that test is skipped rather than failed.
 */
final class RequiredBackends {

    private static final Set<String> REQUIRED = Arrays.stream(
                    System.getenv().getOrDefault("VOXANNE_TEST_REQUIRE_BACKENDS", "").split(","))
            .map(s -> s.trim().toLowerCase(Locale.ROOT))
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());

    private RequiredBackends() {
    }

    static boolean required(PostgresBackend backend) {
        return REQUIRED.contains(backend.name().toLowerCase(Locale.ROOT));
    }

    /** Starts the backend, or skips the test when it is unavailable and not required. */
    static PostgresServer start(TestPostgresConfig config) {
        PostgresBackend backend = config.backend().orElseThrow();
        try {
            return TestPostgres.start(config);
        } catch (NoPostgresAvailableException e) {
            if (required(backend)) {
                throw e;
            }
            assumeTrue(false, backend.title() + " is not available here: " + e.getMessage());
            throw e;
        }
    }
}
