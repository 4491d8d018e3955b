package com.voxanne.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator is deterministic, and a new migration changes its output, so the drift check can fail. */
class GenerateJooqTest {

    /** Surefire runs in the module directory. */
    private static final Path COMMITTED = Path.of("../voxanne-schema/src/main/jooq");
    private static final String PACKAGE_DIR = "com/voxanne/schema/jooq/";

    private final PostgresServer server = TestPostgres.shared();

    @Test
    void generatingTwiceGivesIdenticalBytes(@TempDir Path first, @TempDir Path second) throws Exception {
        GenerateJooq.generate(server, first, List.of());
        GenerateJooq.generate(server, second, List.of());

        assertThat(tree(first)).isNotEmpty().isEqualTo(tree(second));
    }

    @Test
    void aNewMigrationChangesTheOutputSoTheDriftCheckFails(@TempDir Path migrations, @TempDir Path before,
            @TempDir Path after) throws Exception {
        // What a maintainer does: add the next migration, forget to regenerate.
        Files.writeString(migrations.resolve("V999__codegen_probe.sql"),
                "create table public.codegen_probe (id bigint primary key, note text);\n");

        GenerateJooq.generate(server, before, List.of());
        String version = GenerateJooq.generate(server, after, List.of(migrations));

        assertThat(version).isEqualTo("999");
        assertThat(changedFiles(tree(before), tree(after))).containsExactlyInAnyOrder(
                PACKAGE_DIR + "Keys.java",
                PACKAGE_DIR + "Public.java",
                PACKAGE_DIR + "Tables.java",
                PACKAGE_DIR + "tables/CodegenProbe.java",
                PACKAGE_DIR + "tables/records/CodegenProbeRecord.java");
        assertThat(changedFiles(tree(COMMITTED), tree(after)))
                .contains(PACKAGE_DIR + "tables/CodegenProbe.java", PACKAGE_DIR + "Tables.java");
    }

    @Test
    void theDriftCheckPrintsTheRegenerationCommand() throws IOException {
        assertThat(Files.readString(Path.of("check-drift.sh"))).contains(GenerateJooq.COMMAND);
    }

    @Test
    void usesTheEmbeddedServerUnlessABackendIsConfigured() {
        assertThat(GenerateJooq.serverConfig(new Properties(), Map.of()).backend()).contains(PostgresBackend.EMBEDDED);
    }

    /** Relative path → content of every file below {@code root}. */
    private static Map<String, String> tree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            Map<String, String> tree = new TreeMap<>();
            for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                tree.put(root.relativize(file).toString().replace('\\', '/'), Files.readString(file));
            }
            return tree;
        }
    }

    /** Files present in only one tree, or with different content. */
    private static Set<String> changedFiles(Map<String, String> a, Map<String, String> b) {
        Set<String> changed = new TreeSet<>(a.keySet());
        changed.addAll(b.keySet());
        changed.removeIf(path -> a.containsKey(path) && a.get(path).equals(b.get(path)));
        return changed;
    }
}
