package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Failures become the DAO's exceptions in one place: {@link SqlErrors} makes every
 * {@code DataAccessFailureException}, and inside a unit of work every failure is translated through
 * {@link Unit#failure} (which also knows when the unit is aborted). Read from the sources, so that a new
 * call site translating on its own fails here rather than in review.
 */
class OneTranslatorTest {

    private static final Path MAIN = Path.of("src/main/java/com/voxanne/dao");

    /** Who may call {@code SqlErrors.translate}: the unit's one way out, and the places outside any unit. */
    private static final Set<String> TRANSLATE_CALLERS = Set.of(
            "internal/Unit.java",              // every failure inside a unit of work
            "internal/Transactions.java",      // a failure before the unit exists (setting up its connection)
            "internal/NotificationListener.java",  // a subscription's connection: no unit of work
            "internal/NotificationPoller.java");   // the same, on a distributed database

    @Test
    void onlySqlErrorsMakesDataAccessFailures() throws IOException {
        assertThat(filesContaining("new DataAccessFailureException(")).containsOnlyKeys("internal/SqlErrors.java");
    }

    @Test
    void onlyTheUnitsWayOutAndCodeOutsideAnyUnitTranslate() throws IOException {
        assertThat(filesContaining("SqlErrors.translate(").keySet()).isSubsetOf(TRANSLATE_CALLERS);
    }

    private static Map<String, List<String>> filesContaining(String text) throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> read(p).contains(text))
                    .collect(Collectors.toMap(p -> MAIN.relativize(p).toString().replace('\\', '/'),
                            p -> read(p).lines().filter(l -> l.contains(text)).toList()));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(file.toString(), e);
        }
    }
}
