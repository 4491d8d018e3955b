package com.voxanne.testkit.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.voxanne.testkit.postgres.NoPostgresAvailableException;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Testcontainers attempt against a Docker engine that answers but cannot pull (no registry), or does
 * not answer at all: it ends within the Docker timeout, names the real cause, and never asks the engine
 * for anything but the test kit's own image (no Ryuk, no gateway probe).
 */
class ContainerBackendTest {

    /**
     * An image with its registry named: for a Docker Hub name, Testcontainers' registry-auth lookup asks the
     * engine it discovered itself (the real one, not this fake) which index server it uses.
     */
    private static final String IMAGE = "registry.voxanne.invalid/postgres:17";

    @Test
    void autoFallsBackToEmbeddedWithinTheTimeoutWhenThePullHangs() throws Exception {
        TestPostgresConfig config = TestPostgresConfig.builder().image(IMAGE).dockerTimeout(Duration.ofSeconds(3)).build();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (FakeDockerEngine engine = new FakeDockerEngine(FakeDockerEngine.Mode.PULL_HANGS)) {
            long started = System.nanoTime();
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            // The pull never ends: without a bound this never returns. 3 s for Docker plus generous room
            // for the embedded server's first start (extracting its binaries).
            try (PostgresServer server = assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> Backends.start(config, engine::transport))) {
                System.setErr(originalErr);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                assertThat(server.backend()).isEqualTo(PostgresBackend.EMBEDDED);
                assertThat(elapsed).isLessThan(Duration.ofSeconds(3 + 90));
            } finally {
                System.setErr(originalErr);
            }
            String text = log.toString(StandardCharsets.UTF_8);
            assertThat(text)
                    .contains("a Testcontainers container is not available")
                    .contains("Docker 99.0.0-fake at tcp://127.0.0.1:")
                    .contains("answers, but image " + IMAGE + " is not present there and could not be pulled within 3 s")
                    .doesNotContain("no Docker engine answer");
            assertThat(engine.requests()).anyMatch(r -> r.startsWith("POST /images/create?fromImage=registry.voxanne.invalid%2Fpostgres&tag=17"));
            assertOnlyItsOwnImage(engine);
        }
    }

    @Test
    void explicitTestcontainersFailsWithTheRegistryErrorInsteadOfFallingBack() throws Exception {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.TESTCONTAINERS)
                .image(IMAGE).dockerTimeout(Duration.ofSeconds(30)).build();
        try (FakeDockerEngine engine = new FakeDockerEngine(FakeDockerEngine.Mode.PULL_FAILS)) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    assertThatThrownBy(() -> Backends.start(config, engine::transport))
                            .isInstanceOf(NoPostgresAvailableException.class)
                            .hasMessageContaining("(backend testcontainers)")
                            .hasMessageContaining("answers, but image " + IMAGE
                                    + " is not present there and could not be pulled: ")
                            .hasMessageContaining("lookup registry-1.docker.io: no such host")
                            .hasMessageNotContaining("tried an embedded")
                            .hasMessageNotContaining("no Docker engine answer"));
            assertOnlyItsOwnImage(engine);
        }
    }

    @Test
    void anEngineThatNeverAnswersIsGivenUpWithinTheTimeout() throws Exception {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.TESTCONTAINERS)
                .image(IMAGE).dockerTimeout(Duration.ofSeconds(2)).build();
        try (FakeDockerEngine engine = new FakeDockerEngine(FakeDockerEngine.Mode.SILENT)) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    assertThatThrownBy(() -> Backends.start(config, engine::transport))
                            .isInstanceOf(NoPostgresAvailableException.class)
                            .hasMessageContaining("no Docker engine answered within 2 s")
                            .hasMessageContaining("VOXANNE_TEST_DOCKER_TIMEOUT"));
            assertThat(engine.requests()).isNotEmpty();
        }
    }

    /** Testcontainers' Ryuk and gateway probe would pull and run images of their own. */
    private static void assertOnlyItsOwnImage(FakeDockerEngine engine) {
        assertThat(engine.requests())
                .noneMatch(r -> r.contains("ryuk"))
                .noneMatch(r -> r.contains("alpine"))
                .noneMatch(r -> r.startsWith("POST /containers/create"))
                .allMatch(r -> !r.startsWith("POST /images/create") || r.contains("fromImage=registry.voxanne.invalid%2Fpostgres&"));
    }
}
