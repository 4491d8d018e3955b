package com.voxanne.testkit.postgres.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without Citus the backend refuses with what is missing and how to install it, before starting anything. */
class CitusBackendUnavailableTest {

    @Test
    void noBinariesIsNamed(@TempDir Path dir) {
        withBinaries(dir.resolve("nowhere/bin"), () -> assertThatThrownBy(CitusBackend::start)
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("no PostgreSQL binaries at " + dir.resolve("nowhere/bin"))
                .hasMessageContaining("VOXANNE_TEST_CITUS_PG_BIN"));
    }

    @Test
    void postgresWithoutCitusIsNamed(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : new String[] {"initdb", "pg_ctl", "postgres"}) {
            // Would fail loudly if run: the refusal must come before anything is started.
            Files.writeString(bin.resolve(tool), "#!/bin/sh\nexit 99\n");
            Files.setPosixFilePermissions(bin.resolve(tool), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        withBinaries(bin, () -> assertThatThrownBy(CitusBackend::start)
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("Citus is not installed")
                .hasMessageContaining(dir.resolve("lib/citus.so").toString())
                .hasMessageContaining("install.sh"));
    }

    private static void withBinaries(Path bin, Runnable check) {
        String previous = System.getProperty(CitusBackend.PG_BIN_PROPERTY);
        System.setProperty(CitusBackend.PG_BIN_PROPERTY, bin.toString());
        try {
            check.run();
        } finally {
            if (previous == null) {
                System.clearProperty(CitusBackend.PG_BIN_PROPERTY);
            } else {
                System.setProperty(CitusBackend.PG_BIN_PROPERTY, previous);
            }
        }
    }
}
