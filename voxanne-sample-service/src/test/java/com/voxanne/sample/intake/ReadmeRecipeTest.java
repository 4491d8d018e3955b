package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's "Your own tenant tables" section shows this project's migration and webhook handler as
 * they are, so the recipe a service team copies is the one {@link IntakeSchemaTest} and
 * {@link CallIntakeServiceTest} check.
 */
class ReadmeRecipeTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @Test
    void theReadmeShowsTheMigration() throws IOException {
        String migration = Files.readString(PROJECT.resolve("src/main/resources/db/intake/migration/V1__call_intakes.sql"));

        assertTrue(readme().contains("```sql\n" + migration + "```"),
                "README.md must show V1__call_intakes.sql verbatim in its recipe");
    }

    @Test
    void theReadmeShowsTheWebhookHandler() throws IOException {
        String source = Files.readString(PROJECT.resolve("src/main/java/com/voxanne/sample/intake/CallIntakeService.java"));
        String handler = source.substring(source.indexOf("// BEGIN README\n") + "// BEGIN README\n".length(),
                source.indexOf("    // END README"));
        String unindented = handler.lines().map(l -> l.length() >= 4 ? l.substring(4) : l.strip())
                .collect(Collectors.joining("\n", "", "\n"));

        assertTrue(readme().contains("```java\n" + unindented + "```"),
                "README.md must show CallIntakeService.onCallEnded as it is");
    }

    private static String readme() throws IOException {
        return Files.readString(PROJECT.getParent().resolve("README.md"));
    }
}
