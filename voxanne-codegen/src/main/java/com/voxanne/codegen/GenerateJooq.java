package com.voxanne.codegen;

import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;

/**
 * Migrates a throwaway PostgreSQL with the Voxanne migrations and generates the jOOQ classes from it into
 * the directory given as the only argument ({@code voxanne-schema/src/main/jooq}). Run it with
 * {@value #COMMAND}.
 *
 * <p>The server is an embedded PostgreSQL (no Docker) unless {@code VOXANNE_TEST_BACKEND} (or
 * {@code -Dvoxanne.test.backend}) asks for another backend of the test kit, configured as for the tests.
 * Embedded is the default even where {@code auto} would find an external URL or Docker: the committed
 * classes are generated on one known PostgreSQL version, so CI and maintainers produce the same bytes.
 */
public final class GenerateJooq {

    /** The one command that regenerates the classes, from the repository root. */
    public static final String COMMAND = "./mvnw -q -pl voxanne-codegen -am -Pregenerate-jooq clean process-classes";

    static {
        // jOOQ's banner and tips are noise in a build log.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private GenerateJooq() {
    }

    /**
     * Generates into {@code args[0]}.
     *
     * @param args the output directory (the generated package goes below it)
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GenerateJooq <output directory>   (normally run as: " + COMMAND + ")");
            System.exit(2);
        }
        Path output = Path.of(args[0]).toAbsolutePath().normalize();
        try (PostgresServer server = TestPostgres.start(serverConfig(System.getProperties(), System.getenv()))) {
            String version = generate(server, output, List.of());
            System.out.printf("voxanne-codegen: %d files in %s, from migrations up to V%s on %s (PostgreSQL %d)%n",
                    javaFiles(output), output, version, server.backend().title(), server.majorVersion());
        }
    }

    /** Embedded, unless the test kit's backend setting is given explicitly. */
    static TestPostgresConfig serverConfig(Properties properties, Map<String, String> environment) {
        String backend = properties.getProperty("voxanne.test.backend", environment.get("VOXANNE_TEST_BACKEND"));
        if (backend != null && !backend.isBlank()) {
            return TestPostgresConfig.fromEnvironment();
        }
        return TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).build();
    }

    /**
     * Migrates a new database on {@code server}, then generates from it into {@code output}, replacing what
     * was there.
     *
     * @param extraMigrations directories of further Flyway migrations applied after the library's own, as if
     *     they had been added to it (for tests: {@link VoxanneSchema} knows only its own location)
     * @return the schema version generated from
     */
    static String generate(PostgresServer server, Path output, List<Path> extraMigrations) throws Exception {
        try (TestDatabase db = server.createDatabase()) {
            DataSource admin = db.adminDataSource();
            MigrationResult result = VoxanneSchema.configure().dataSource(admin).load().migrate();
            String version = result.currentVersion();
            if (!extraMigrations.isEmpty()) {
                version = migrateExtra(admin, extraMigrations);
            }
            GenerationTool tool = new GenerationTool();
            tool.setDataSource(admin);
            tool.run(CodegenConfiguration.of(output));
            return version;
        }
    }

    /** The same Flyway settings as VoxanneSchema on one server (history table, placeholders), one more location. */
    private static String migrateExtra(DataSource admin, List<Path> extraMigrations) {
        String[] locations = Stream.concat(Stream.of("classpath:" + VoxanneSchema.MIGRATION_LOCATION),
                extraMigrations.stream().map(p -> "filesystem:" + p.toAbsolutePath())).toArray(String[]::new);
        return Flyway.configure(GenerateJooq.class.getClassLoader())
                .dataSource(admin)
                .locations(locations)
                .table(VoxanneSchema.HISTORY_TABLE)
                .defaultSchema("public")
                .createSchemas(false)
                .placeholders(MigrationPlaceholders.values(Placement.SINGLE_SERVER))
                .load()
                .migrate()
                .targetSchemaVersion;
    }

    private static long javaFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> p.toString().endsWith(".java")).count();
        }
    }
}
