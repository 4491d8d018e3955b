package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.migratedDatabase;
import static com.voxanne.schema.SchemaTestSupport.organization;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A database distributed at an earlier version takes Voxanne's next migration: V18 on a database distributed
 * at V17 reaches every shard (the GIN indexes' pending list limit, the partial audit index) and its
 * rewritten suspicious-activity check runs on the cluster.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusUpgradeTest {

    private static TestDatabase db;
    private static MigrationResult upgrade;

    @BeforeAll
    static void distributeAtV17ThenMigrate() throws Exception {
        db = migratedDatabase();
        CitusSupport.schema(db).rollbackTo("17", false);
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
        upgrade = CitusSupport.schema(db).migrate();
    }

    @AfterAll
    static void drop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void v18IsAppliedOnTheDistributedDatabase() {
        assertThat(upgrade.applied()).extracting(AppliedMigration::version).containsExactly("18");
    }

    @Test
    void everyShardsTokenIndexKeepsItsPendingListSmall() throws SQLException {
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.contacts',"
                + " $$select array_to_string(x.reloptions, ',') from pg_index i join pg_class x on x.oid = i.indexrelid"
                + " where i.indrelid = '%s'::regclass and x.relname like 'idx_contacts_search_tokens%%'$$)"))
                .containsExactly("gin_pending_list_limit=64");
    }

    @Test
    void everyAuditShardHasThePartialIndexOfEventsDoneElsewhere() throws SQLException {
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.audit_logs',"
                + " $$select count(*) from pg_index i join pg_class x on x.oid = i.indexrelid"
                + " where i.indrelid = '%s'::regclass and x.relname like 'idx_audit_logs_claims_elsewhere%%'"
                + " and pg_get_expr(i.indpred, i.indrelid) like '%%org_id IS DISTINCT FROM claims_org_id%%'$$)"))
                .containsExactly("1");
    }

    @Test
    void suspiciousActivityOfOneClinicIncludesWhatWasDoneOnAnotherShardWithItsClaims() throws SQLException {
        UUID clinic = organization(db, "Clinic of the claims");
        UUID other = organization(db, "Clinic acted on");
        UUID actor = UUID.randomUUID();
        admin(db, "insert into public.audit_logs (event_type, operation, table_name, authenticated_user, org_id,"
                + " claims_org_id) values ('WRITE', 'UPDATE', 'contacts', ?, ?, ?)", actor, other, clinic);
        List<String> found = SchemaTestSupport.as(db, RequestClaims.service(), RequestBinding.Placement.DISTRIBUTED,
                c -> SchemaTestSupport.column(c, "select activity || ' ' || org_id from public.detect_suspicious_activity(?, '1 hour', 1)"
                        + " where authenticated_user = ? order by 1", clinic, actor));
        assertThat(found).containsExactly("cross_org_access " + other, "high_volume " + other);
    }

    @Test
    void verifyPassesTheSearchIndexAndTheDistributionSections() {
        VerifyReport report = CitusSupport.schema(db).verify();
        for (VerifyCheck check : new VerifyCheck[] {VerifyCheck.MIGRATIONS_APPLIED, VerifyCheck.CONTACT_SEARCH_INDEX,
                VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.POLICY_FORM, VerifyCheck.DISTRIBUTION_SETTINGS}) {
            assertThat(report.check(check).orElseThrow().status()).as(check.name()).isEqualTo(VerifyReport.Status.PASS);
        }
    }
}
