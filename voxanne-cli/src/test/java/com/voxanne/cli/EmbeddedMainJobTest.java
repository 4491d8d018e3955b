package com.voxanne.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job, {@code voxanne migrate --verify} without any database settings, on the embedded
 * server, and what makes that server worth having: its data is still there on the next run.
 */
class EmbeddedMainJobTest {

    @TempDir
    Path home;

    @Test
    void migrateVerifyOnTheEmbeddedServerKeepsItsDataBetweenRuns() {
        String dir = home.resolve("pg").toString();

        Cli.Run first = Cli.run("migrate", "--verify", "--data-dir", dir);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.err()).contains("embedded PostgreSQL 17", "data directory " + dir + " (new)");
        assertThat(first.out()).contains("applied V1 ", "to version", "verify: ").doesNotContain("FAIL ");

        // A new server process on the same directory: no initdb, the migrations are still applied.
        Cli.Run second = Cli.run("migrate", "--data-dir", dir);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.err()).contains("(kept from an earlier run)");
        assertThat(second.out()).contains("up to date");

        Cli.Run fresh = Cli.run("info", "--fresh", "--data-dir", dir);
        assertThat(fresh.exitCode()).as(fresh.toString()).isZero();
        assertThat(fresh.err()).contains("(new)");
        assertThat(fresh.out()).contains("PENDING", "current version: none").doesNotContain("APPLIED");
    }

    @Test
    void aDirectoryThatIsNotADataDirectoryIsNeitherUsedNorDeleted() throws IOException {
        Path notes = Files.writeString(home.resolve("notes.txt"), "keep me");

        Cli.Run used = Cli.run("info", "--data-dir", home.toString());
        assertThat(used.exitCode()).isEqualTo(ExitCode.FAILED.code);
        assertThat(used.err()).contains("is not a PostgreSQL data directory");

        Cli.Run deleted = Cli.run("info", "--fresh", "--data-dir", home.toString());
        assertThat(deleted.exitCode()).isEqualTo(ExitCode.FAILED.code);
        assertThat(deleted.err()).contains("--fresh refuses to delete");
        assertThat(notes).hasContent("keep me");
    }
}
