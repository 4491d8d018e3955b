package com.voxanne.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job, {@code java -jar voxanne.jar migrate --verify}, on the packaged jar (after package). */
class VoxanneJarIT {

    @TempDir
    Path home;

    @Test
    void theJarMigratesAndVerifiesTheEmbeddedServer() throws Exception {
        String output = java(0, "migrate", "--verify", "--data-dir", home.resolve("pg").toString());

        assertThat(output).contains("embedded PostgreSQL 17", "applied V1 ", "verify: ").doesNotContain("FAIL ");
        assertThat(java(0, "--version")).startsWith("voxanne ");
        assertThat(java(ExitCode.UNREACHABLE.code, "info", "--url", "jdbc:postgresql://127.0.0.1:1/postgres"))
                .contains("voxanne: cannot reach the database server");
    }

    /** Runs the jar with a clean environment (no PG* or VOXANNE_DB_URL of the machine) and returns its output. */
    private String java(int expectedExit, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("voxanne.jar", "target/voxanne.jar")));
        command.addAll(List.of(args));
        Path log = home.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("VOXANNE_DB_URL"));
        Process process = builder.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("finished within 5 minutes").isTrue();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isEqualTo(expectedExit);
        return output;
    }
}
