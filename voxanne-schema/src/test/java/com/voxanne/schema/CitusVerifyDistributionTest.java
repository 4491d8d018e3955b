package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code verify}'s distribution section on a distributed database that has drifted: a policy back in the
 * subquery form, a table back on the coordinator; and {@link VoxanneSchema#distribute()} placing what is
 * missing on a partly distributed database. Runs only with VOXANNE_TEST_BACKEND=citus.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusVerifyDistributionTest {

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    @Test
    void aDriftedDistributionFailsItsItemAndDistributeRepairsIt() throws Exception {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VoxanneSchema schema = CitusSupport.schema(db);
            schema.distribute();
            assertThat(item(schema.verify(), VerifyCheck.POLICY_FORM).status()).isEqualTo(Status.PASS);

            // A policy in the subquery form on the coordinator (Citus refuses it on the shards).
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("set local citus.enable_ddl_propagation = off");
                s.execute("alter policy contacts_select_org on public.contacts using (org_id = (select public.auth_org_id()))");
                c.commit();
            }
            VerifyReport subquery = schema.verify();
            Check form = item(subquery, VerifyCheck.POLICY_FORM);
            assertThat(form.status()).as(subquery.toString()).isEqualTo(Status.FAIL);
            assertThat(form.reason()).contains("public.contacts.contacts_select_org").doesNotContain("contacts_insert_org");
            assertThat(item(subquery, VerifyCheck.DISTRIBUTED_TABLES).status()).isEqualTo(Status.PASS);
            // the control: the plain form again, and the item passes
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("set local citus.enable_ddl_propagation = off");
                s.execute("alter policy contacts_select_org on public.contacts using (org_id = public.auth_org_id())");
                c.commit();
            }
            assertThat(item(schema.verify(), VerifyCheck.POLICY_FORM).status()).isEqualTo(Status.PASS);

            // A table put back on the coordinator.
            admin(db, "select undistribute_table('public.audit_logs')");
            VerifyReport local = schema.verify();
            Check tables = item(local, VerifyCheck.DISTRIBUTED_TABLES);
            assertThat(tables.status()).as(local.toString()).isEqualTo(Status.FAIL);
            assertThat(tables.reason()).startsWith("public.audit_logs is local to the coordinator").doesNotContain("contacts is");

            // distribute places what is missing, and only that
            DistributionResult repaired = schema.distribute();
            assertThat(repaired.tables()).filteredOn(DistributionResult.Table::changed)
                    .extracting(DistributionResult.Table::toString).containsExactly("public.audit_logs: distributed by org_id now");
            VerifyReport again = schema.verify();
            for (VerifyCheck id : new VerifyCheck[] {VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.REFERENCE_TABLES,
                    VerifyCheck.POLICY_FORM, VerifyCheck.DISTRIBUTION_SETTINGS}) {
                assertThat(item(again, id).status()).as(again.toString()).isEqualTo(Status.PASS);
            }
        }
    }
}
