package com.voxanne.testkit.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void autoTriesContainersThenEmbedded() {
        assertThat(Backends.candidates(TestPostgresConfig.builder().build()))
                .containsExactly(PostgresBackend.TESTCONTAINERS, PostgresBackend.EMBEDDED);
    }

    @Test
    void aConfiguredUrlIsUsedAndNothingElse() {
        TestPostgresConfig config = TestPostgresConfig.builder().externalUrl("jdbc:postgresql://db/postgres").build();
        assertThat(Backends.candidates(config)).containsExactly(PostgresBackend.EXTERNAL);
    }

    @Test
    void aForcedBackendIsTheOnlyCandidate() {
        TestPostgresConfig config = TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).build();
        assertThat(Backends.candidates(config)).containsExactly(PostgresBackend.EMBEDDED);
    }

    @Test
    void embeddedCanBeRuledOut() {
        TestPostgresConfig config = TestPostgresConfig.builder().embeddedAllowed(false).build();
        assertThat(Backends.candidates(config)).containsExactly(PostgresBackend.TESTCONTAINERS);
    }
}
