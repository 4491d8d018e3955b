package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Your own tenant tables" section shows this project's migration as it is, so the recipe a
 * service team copies is the one {@link IntakeSchemaTest} checks.
 */
class ReadmeRecipeTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @Test
    void theReadmeShowsTheMigration() throws IOException {
        String migration = Files.readString(PROJECT.resolve("src/main/resources/db/intake/migration/V1__call_intakes.sql"));

        assertTrue(readme().contains("```sql\n" + migration + "```"),
                "README.md must show V1__call_intakes.sql verbatim in its recipe");
    }

    private static String readme() throws IOException {
        return Files.readString(PROJECT.getParent().resolve("README.md"));
    }
}
