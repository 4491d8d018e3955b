package com.voxanne.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The help an operator reads and the exit codes a script relies on stay documented, in both places. */
class HelpTest {

    @Test
    void helpListsEveryCommandAndEveryExitCode() {
        for (String command : new String[] {"--help", "migrate --help", "info --help", "verify --help", "rollback --help", "distribute --help"}) {
            Cli.Run run = Cli.run(command.split(" "));
            assertThat(run.exitCode()).isZero();
            for (ExitCode code : ExitCode.values()) {
                assertThat(run.out()).as(command).containsPattern("(?m)^ +" + code.code + " +" + java.util.regex.Pattern.quote(code.meaning));
            }
        }
        assertThat(Cli.run("--help").out()).contains("migrate", "info", "verify", "rollback", "distribute", "VOXANNE_DB_URL", "PGHOST");
    }

    @Test
    void theReadmeDocumentsTheSameExitCodes() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (ExitCode code : ExitCode.values()) {
            assertThat(readme).containsPattern("\\| *" + code.code + " *\\|");
        }
    }

    @Test
    void versionAndBareCommand() {
        Cli.Run version = Cli.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("voxanne ").contains("PostgreSQL 17").doesNotContain("${");

        Cli.Run bare = Cli.run();
        assertThat(bare.exitCode()).isEqualTo(ExitCode.USAGE.code);
        assertThat(bare.err()).contains("Usage: voxanne");
    }
}
