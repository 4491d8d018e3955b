package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.migratedDatabase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code rollbackTo} on a distributed database: the newest migration rolls back there and can be applied
 * again (U18 replaces its function before its DDL on the tables, as Citus requires); a version older than
 * 17, whose audit triggers do not run on a shard, is refused before anything changes.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusRollbackTest {

    private static TestDatabase db;

    @BeforeAll
    static void distribute() throws Exception {
        db = migratedDatabase();
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
    }

    @AfterAll
    static void drop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aVersionOlderThan17IsRefusedEvenForcedAndNothingChanges() throws SQLException {
        List<String> before = CatalogSnapshot.of(db.adminDataSource());
        for (boolean force : new boolean[] {false, true}) {
            assertThatThrownBy(() -> CitusSupport.schema(db).rollbackTo("16", force))
                    .isInstanceOfSatisfying(RollbackRefusedException.class, e -> assertThat(e.reason())
                            .isEqualTo(RollbackRefusedException.Reason.OLDER_THAN_A_DISTRIBUTED_DATABASE_ALLOWS))
                    .hasMessageContaining("distributed by Citus").hasMessageContaining("17 is the oldest");
        }
        assertThat(CatalogSnapshot.of(db.adminDataSource())).containsExactlyElementsOf(before);
        assertThat(adminColumn(db, "select max(version::int)::text from public.voxanne_schema_history where success"))
                .containsExactly(String.valueOf(MigrationLifecycleTest.MIGRATION_COUNT));
    }

    @Test
    void theNewestMigrationRollsBackOnEveryShardAndIsAppliedAgain() throws SQLException {
        RollbackResult rollback = CitusSupport.schema(db).rollbackTo("17", false);
        assertThat(rollback.undone()).extracting(AppliedMigration::version).containsExactly("18");
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.audit_logs',"
                + " $$select count(*) from pg_indexes where tablename = '%s' and indexname like 'idx_audit_logs_claims_elsewhere%%'$$)"))
                .containsExactly("0");
        assertThat(adminColumn(db, "select distinct coalesce(result, '') from run_command_on_shards('public.contacts',"
                + " $$select array_to_string(x.reloptions, ',') from pg_index i join pg_class x on x.oid = i.indexrelid"
                + " where i.indrelid = '%s'::regclass and x.relname like 'idx_contacts_search_tokens%%'$$)"))
                .containsExactly("");

        MigrationResult again = CitusSupport.schema(db).migrate();
        assertThat(again.applied()).extracting(AppliedMigration::version).containsExactly("18");
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.audit_logs',"
                + " $$select count(*) from pg_indexes where tablename = '%s' and indexname like 'idx_audit_logs_claims_elsewhere%%'$$)"))
                .containsExactly("1");
        VerifyReport report = CitusSupport.schema(db).verify();
        for (VerifyCheck check : new VerifyCheck[] {VerifyCheck.CONTACT_SEARCH_INDEX, VerifyCheck.DISTRIBUTED_TABLES,
                VerifyCheck.POLICY_FORM, VerifyCheck.DISTRIBUTION_SETTINGS}) {
            assertThat(report.check(check).orElseThrow().status()).as(check.name()).isEqualTo(VerifyReport.Status.PASS);
        }
    }
}
