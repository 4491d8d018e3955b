package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's sections for service teams show what this project does: its build (the BOM and the
 * dependencies it declares), its migrations configured beside Voxanne's, and its migration as it is, so
 * what a service team copies is what {@link IntakeSchemaTest} and {@link CallIntakeServiceTest} check.
 */
class ReadmeForServiceTeamsTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();

    @Test
    void theReadmeShowsTheMigration() throws IOException {
        String migration = Files.readString(PROJECT.resolve("src/main/resources/db/intake/migration/V1__call_intakes.sql"));

        assertTrue(readme().contains("```sql\n" + migration + "```"),
                "README.md must show V1__call_intakes.sql verbatim in its recipe");
    }

    @Test
    void theReadmeDeclaresWhatThisProjectDeclares() throws IOException {
        String readme = readme();
        String build = readme.substring(readme.indexOf("## Adding Voxanne to your build"), readme.indexOf("## Modules"));
        String pom = Files.readString(PROJECT.resolve("pom.xml")).replaceAll("\\s+", " ");

        java.util.regex.Matcher dependency = java.util.regex.Pattern.compile(
                "<dependency>\\s*<groupId>com\\.voxanne</groupId>\\s*<artifactId>([a-z-]+)</artifactId>(.*?)</dependency>",
                java.util.regex.Pattern.DOTALL).matcher(build);
        int declared = 0;
        while (dependency.find()) {
            declared++;
            String artifact = dependency.group(1);
            String rest = dependency.group(2).replaceAll("<version>[^<]*</version>", java.util.regex.Matcher.quoteReplacement("<version>${voxanne.version}</version>"))
                    .replaceAll("\\s+", " ").strip();
            String expected = ("<dependency> <groupId>com.voxanne</groupId> <artifactId>" + artifact + "</artifactId> "
                    + rest + (rest.isEmpty() ? "" : " ") + "</dependency>");
            assertTrue(pom.contains(expected), "pom.xml declares " + artifact + " as the README does: " + expected);
        }
        assertTrue(declared == 4, "the README's build declares the BOM and three modules, found " + declared);
    }

    @Test
    void theReadmeConfiguresThisProjectsMigrations() throws IOException {
        assertTrue(readme().contains(".serviceMigrations(\"" + IntakeSchema.HISTORY_TABLE + "\", \"" + IntakeSchema.LOCATION + "\")"),
                "README.md's VoxanneSchema example configures this project's migrations");
    }

    private static String readme() throws IOException {
        return Files.readString(PROJECT.getParent().resolve("README.md"));
    }
}
