package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * pgaudit is enabled where the server preloads it and reported as absent (with the reason) where it does
 * not; the migration is clean either way, up and down. CI runs the suite on a server that preloads
 * pgaudit (VOXANNE_TEST_PGAUDIT=true) and this class also starts an embedded server without it, so both
 * paths run there.
 */
class PgauditTest {

    private static final String PGAUDIT_REPORT =
            "select count || ' ' || detail from public.voxanne_migration_report where migration = 'V10' and item = 'pgaudit'";
    private static final String PGAUDIT_EXTENSION = "select extname from pg_extension where extname = 'pgaudit'";

    private static VoxanneSchema schema(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
    }

    /** Migrates an empty database and checks it is clean: every migration applied, no warning, verify passes. */
    private static VoxanneSchema migrateCleanly(TestDatabase db) {
        VoxanneSchema schema = schema(db);
        MigrationResult result = schema.migrate();
        assertThat(result.applied()).hasSize(MigrationLifecycleTest.MIGRATION_COUNT);
        assertThat(result.warnings()).isEmpty();
        VerifyReport report = schema.verify();
        assertThat(report.passed()).as(report.toString()).isTrue();
        return schema;
    }

    private static Check pgauditCheck(VoxanneSchema schema) {
        return schema.verify().check(VerifyCheck.PGAUDIT).orElseThrow();
    }

    private static void assertPgauditEnabled(TestDatabase db, VoxanneSchema schema) throws SQLException {
        assertThat(adminColumn(db, PGAUDIT_EXTENSION)).containsExactly("pgaudit");
        assertThat(adminColumn(db, PGAUDIT_REPORT)).singleElement(STRING).startsWith("1 enabled");
        assertThat(adminColumn(db, "select count::text from public.voxanne_migration_report"
                + " where migration = 'V10' and item = 'extension_created:pgaudit'")).containsExactly("1");
        assertThat(pgauditCheck(schema).status()).isEqualTo(Status.PASS);
    }

    private static void assertPgauditReportedAbsent(TestDatabase db, VoxanneSchema schema) throws SQLException {
        boolean available = !adminColumn(db, "select name from pg_available_extensions where name = 'pgaudit'").isEmpty();
        assertThat(adminColumn(db, PGAUDIT_EXTENSION)).isEmpty();
        assertThat(adminColumn(db, PGAUDIT_REPORT)).singleElement(STRING).startsWith("0 not enabled: ")
                .contains(available ? "not in shared_preload_libraries" : "not available on this server");
        assertThat(adminColumn(db, "select item from public.voxanne_migration_report where item like '%pgaudit%'"))
                .containsExactly("pgaudit");
        Check check = pgauditCheck(schema);
        assertThat(check.status()).isEqualTo(Status.WARN);
        assertThat(check.reason()).isNotBlank();
    }

    private static void assertPgauditAsTheServerAllows(TestDatabase db, VoxanneSchema schema) throws SQLException {
        if (db.server().pgauditPreloaded()) {
            assertPgauditEnabled(db, schema);
        } else {
            assertPgauditReportedAbsent(db, schema);
        }
    }

    /** VOXANNE_TEST_PGAUDIT / -Dvoxanne.test.pgaudit, as the test kit reads it. */
    private static boolean pgauditRequired() {
        String value = Optional.ofNullable(System.getProperty("voxanne.test.pgaudit"))
                .filter(v -> !v.isBlank()).orElse(System.getenv("VOXANNE_TEST_PGAUDIT"));
        return Boolean.parseBoolean(value);
    }

    @Test
    void theSharedServerMigratesCleanlyUpAndDownWithOrWithoutPgaudit() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            VoxanneSchema schema = migrateCleanly(db);
            assertPgauditAsTheServerAllows(db, schema);

            RollbackResult down = schema.rollbackTo("9", false);
            assertThat(down.undone()).extracting(AppliedMigration::version).containsExactly("18", "17", "16", "15", "14", "13", "12", "11", "10");
            assertThat(adminColumn(db, PGAUDIT_EXTENSION)).as("U10 drops the pgaudit it created").isEmpty();
            assertThat(adminColumn(db, PGAUDIT_REPORT)).isEmpty();

            assertThat(schema.migrate().applied()).extracting(AppliedMigration::version).containsExactly("10", "11", "12", "13", "14", "15", "16", "17", "18");
            assertPgauditAsTheServerAllows(db, schema);
        }
    }

    @Test
    void whenCiAsksForPgauditTheSharedServerHasItAndTheMigrationEnablesIt() throws SQLException {
        assumeTrue(pgauditRequired(), "VOXANNE_TEST_PGAUDIT is not true");
        PostgresServer server = TestPostgres.shared();
        assertThat(server.pgauditPreloaded())
                .as("VOXANNE_TEST_PGAUDIT=true but %s does not preload pgaudit", server.backend().title()).isTrue();
        try (TestDatabase db = server.createDatabase()) {
            assertPgauditEnabled(db, migrateCleanly(db));
        }
    }

    @Test
    void anEmbeddedServerWithoutPgauditMigratesCleanlyAndSaysWhy() throws SQLException {
        try (PostgresServer embedded = TestPostgres.start(TestPostgresConfig.builder().backend(PostgresBackend.EMBEDDED).build());
             TestDatabase db = embedded.createDatabase()) {
            assertThat(embedded.pgauditPreloaded()).isFalse();
            assertThat(adminColumn(db, "select name from pg_available_extensions where name = 'pgaudit'")).isEmpty();
            VoxanneSchema schema = migrateCleanly(db);
            assertPgauditReportedAbsent(db, schema);
            List<String> auditTriggers = adminColumn(db, "select tgname from pg_trigger where tgname ~ '^audit_(insert|update|delete)_'");
            assertThat(auditTriggers).as("the audit trail does not depend on pgaudit").hasSize(15);
        }
    }
}
