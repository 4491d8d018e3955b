package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.voxanne.schema.DistributionRefusedException.Reason;
import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link VoxanneSchema#distribute()} refuses, before changing anything, a database it cannot place; and
 * the distribution section of {@code verify} on a database that is not distributed. The single-server
 * cases run on every backend (on the Citus backend the extension is dropped first); the others need the
 * Citus backend.
 */
class CitusDistributeRefusalTest {

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    @Test
    void aServerWithoutCitusIsRefusedAndNothingChanges() throws Exception {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "drop extension if exists citus cascade");
            List<String> policies = adminColumn(db, "select policyname || coalesce(qual, '') from pg_policies order by 1");
            assertThatThrownBy(() -> CitusSupport.schema(db).distribute())
                    .isInstanceOfSatisfying(DistributionRefusedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_CITUS))
                    .hasMessageContaining("the database has no citus extension").hasMessageContaining("nothing changed");
            assertThat(adminColumn(db, "select policyname || coalesce(qual, '') from pg_policies order by 1")).isEqualTo(policies);
            assertThat(adminColumn(db, "select pg_get_constraintdef(oid) from pg_constraint where conname = 'contacts_pkey'"))
                    .containsExactly("PRIMARY KEY (id)");

            // verify's distribution section on a single server: nothing failing, "not distributed"
            VerifyReport report = CitusSupport.schema(db).verify();
            for (VerifyCheck id : List.of(VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.REFERENCE_TABLES, VerifyCheck.DISTRIBUTION_SETTINGS)) {
                assertThat(item(report, id).status()).isEqualTo(Status.PASS);
                assertThat(item(report, id).reason()).isEqualTo("not distributed: no citus extension (a single server)");
            }
            assertThat(item(report, VerifyCheck.POLICY_FORM).status()).isEqualTo(Status.PASS);
        }
    }

    @Test
    void onOneServerThePlainPolicyFormFailsItsItem() throws Exception {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertThat(item(CitusSupport.schema(db).verify(), VerifyCheck.POLICY_FORM).status()).isEqualTo(Status.PASS);
            admin(db, "alter policy appointments_update_org on public.appointments"
                    + " using (org_id = (select public.auth_org_id())) with check (org_id = public.auth_org_id())");
            VerifyReport report = CitusSupport.schema(db).verify();
            Check form = item(report, VerifyCheck.POLICY_FORM);
            assertThat(form.status()).isEqualTo(Status.FAIL);
            assertThat(form.reason()).contains("public.appointments.appointments_update_org").doesNotContain("appointments_select_org");
            // still scoped by the organization: the policies item itself holds
            assertThat(item(report, VerifyCheck.POLICIES).status()).as(report.toString()).isEqualTo(Status.PASS);
        }
    }

    @Test
    void aCoordinatorWithoutWorkersIsRefused() throws Exception {
        assumeTrue(CitusSupport.onCitus(), "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)");
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "select citus_remove_node(nodename, nodeport) from pg_dist_node where groupid <> 0");
            assertThatThrownBy(() -> CitusSupport.schema(db).distribute())
                    .isInstanceOfSatisfying(DistributionRefusedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_WORKERS))
                    .hasMessageContaining("no active worker");
            assertThat(adminColumn(db, "select count(*) from pg_dist_partition")).containsExactly("0");
        }
    }

    @Test
    void aCoordinatorWithoutTheSchemaIsRefused() {
        assumeTrue(CitusSupport.onCitus(), "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)");
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            assertThatThrownBy(() -> CitusSupport.schema(db).distribute())
                    .isInstanceOfSatisfying(DistributionRefusedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_MIGRATED))
                    .hasMessageContaining("run migrate first");
        }
    }

    @Test
    void aTablePlacedOtherwiseIsRefused() throws Exception {
        assumeTrue(CitusSupport.onCitus(), "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)");
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "select citus_add_local_table_to_metadata('public.audit_logs')");
            assertThatThrownBy(() -> CitusSupport.schema(db).distribute())
                    .isInstanceOfSatisfying(DistributionRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.PLACED_OTHERWISE))
                    .hasMessageContaining("public.audit_logs is a Citus local table, not distributed by org_id")
                    .hasMessageContaining("undistribute_table");
            assertThat(adminColumn(db, "select count(*) from pg_dist_partition")).containsExactly("1");
        }
    }

    @Test
    void auditRowsWithoutAnOrganizationAreRefused() throws Exception {
        assumeTrue(CitusSupport.onCitus(), "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)");
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "select public.log_audit_event(null::uuid, 'MAINTENANCE', 'TEST', 'an event of no organization')");
            assertThatThrownBy(() -> CitusSupport.schema(db).distribute())
                    .isInstanceOfSatisfying(DistributionRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.ROWS_WITHOUT_ORGANIZATION))
                    .hasMessageContaining("public.audit_logs has rows without an organization");
            assertThat(adminColumn(db, "select count(*) from pg_dist_partition")).containsExactly("0");
        }
    }

    @Test
    void aServicesTableReferencingOrganizationsIsRefused() throws Exception {
        assumeTrue(CitusSupport.onCitus(), "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)");
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource())
                    .serviceMigrations("intake_schema_history", "classpath:db/intake/migration").load();
            schema.migrate();
            assertThatThrownBy(schema::distribute)
                    .isInstanceOfSatisfying(DistributionRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.REFERENCED_BY_LOCAL_TABLE))
                    .hasMessageStartingWith("public.intake_calls references public.organizations: that table would stay local");
            assertThat(adminColumn(db, "select count(*) from pg_dist_partition")).containsExactly("0");
        }
    }
}
