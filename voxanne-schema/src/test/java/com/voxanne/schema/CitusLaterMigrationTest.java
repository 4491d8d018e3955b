package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.migratedDatabase;
import static com.voxanne.schema.SchemaTestSupport.organization;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * A migration that comes after {@code distribute} (a later version of the schema, or a service's own) is
 * applied by {@code migrate} as on one server: Citus carries its DDL to every shard, a tenant policy written
 * through {@code ${voxanne:auth_org_id}} takes the form a distributed table needs, and the database stays as
 * {@code verify} expects a distributed one. A database that applied the same migrations before it was
 * distributed validates them after.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusLaterMigrationTest {

    private static TestDatabase db;

    private static VoxanneSchema withLaterMigrations(TestDatabase database) {
        return VoxanneSchema.configure().dataSource(database.adminDataSource())
                .serviceMigrations("later_schema_history", "classpath:db/later/migration").load();
    }

    @BeforeAll
    static void distributeThenMigrate() throws Exception {
        db = migratedDatabase();
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
        withLaterMigrations(db).migrate();
    }

    @AfterAll
    static void drop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theColumnItsCheckAndItsIndexReachEveryShard() throws SQLException {
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.contacts',"
                + " $$select count(*) from pg_attribute where attrelid = '%s'::regclass and attname = 'preferred_language'$$)"))
                .containsExactly("1");
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.contacts',"
                + " $$select count(*) from pg_constraint where conrelid = '%s'::regclass and conname like 'ck_contacts_preferred_language%%'$$)"))
                .containsExactly("1");
        assertThat(adminColumn(db, "select count(*) > 0 from run_command_on_shards('public.contacts',"
                + " $$select 1 from pg_indexes where tablename = '%s' and indexname like 'idx_contacts_org_language%%'$$)"))
                .containsExactly("t");
    }

    @Test
    void aClinicsUserWritesAndReadsTheNewColumnAndItsCheckRefusesOnTheWorker() throws SQLException {
        UUID org = organization(db, "Clinic with languages");
        RequestClaims user = RequestClaims.user(org, SchemaTestSupport.user(db, org));
        SchemaTestSupport.as(db, user, RequestBinding.Placement.DISTRIBUTED, c -> SchemaTestSupport.column(c,
                "insert into public.contacts (org_id, name, preferred_language) values (?, 'Lea', 'fr') returning id", org));
        List<String> languages = SchemaTestSupport.as(db, user, RequestBinding.Placement.DISTRIBUTED, c -> SchemaTestSupport.column(c,
                "select preferred_language from public.contacts where org_id = ? and name = 'Lea'", org));
        assertThat(languages).containsExactly("fr");
        assertThatThrownBy(() -> SchemaTestSupport.as(db, user, RequestBinding.Placement.DISTRIBUTED, c -> SchemaTestSupport.column(c,
                "insert into public.contacts (org_id, name, preferred_language) values (?, 'Max', 'french') returning id", org)))
                .isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "23514");
    }

    @Test
    void verifyStillPassesTheDistributionSections() {
        VerifyReport report = CitusSupport.schema(db).verify();
        for (VerifyCheck check : new VerifyCheck[] {VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.POLICY_FORM,
                VerifyCheck.DISTRIBUTION_SETTINGS}) {
            assertThat(report.check(check).orElseThrow().status()).as(check.name()).isEqualTo(VerifyReport.Status.PASS);
        }
    }

    @Test
    void aPolicyAlteredThroughThePlaceholderIsInThePlainFormOnTheCoordinatorAndEveryShard() throws SQLException {
        assertThat(adminColumn(db, "select qual from pg_catalog.pg_policies where tablename = 'contacts'"
                + " and policyname = 'contacts_select_org'"))
                .singleElement().satisfies(qual -> assertThat(qual).contains("auth_org_id()").contains("archived")
                        .doesNotContainIgnoringCase("select"));
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.contacts',"
                + " $$select count(*) from pg_catalog.pg_policy where polrelid = '%s'::regclass"
                + " and pg_catalog.pg_get_expr(polqual, polrelid) ~* 'select'$$)"))
                .containsExactly("0");
        assertThat(adminColumn(db, "select distinct result from run_command_on_shards('public.contacts',"
                + " $$select count(*) from pg_catalog.pg_policy where polrelid = '%s'::regclass"
                + " and pg_catalog.pg_get_expr(polqual, polrelid) ~ 'archived'$$)"))
                .containsExactly("1");
    }

    @Test
    void theAlteredPolicyHidesArchivedContactsAndAnotherClinicsFromTheWorkerAndTheSubqueryFormIsRefused() throws SQLException {
        UUID clinicA = organization(db, "Clinic with archived contacts");
        UUID clinicB = organization(db, "Clinic next door");
        RequestClaims userA = RequestClaims.user(clinicA, SchemaTestSupport.user(db, clinicA));
        RequestClaims userB = RequestClaims.user(clinicB, SchemaTestSupport.user(db, clinicB));
        SchemaTestSupport.as(db, userA, RequestBinding.Placement.DISTRIBUTED, c -> {
            SchemaTestSupport.prepare(c, "insert into public.contacts (org_id, name) values (?, 'Current')", clinicA).execute();
            SchemaTestSupport.prepare(c, "insert into public.contacts (org_id, name, archived) values (?, 'Archived', true)", clinicA).execute();
            return null;
        });
        assertThat(adminColumn(db, "select count(*) from public.contacts where org_id = ?", clinicA)).containsExactly("2");
        List<String> seenByA = SchemaTestSupport.as(db, userA, RequestBinding.Placement.DISTRIBUTED, c -> SchemaTestSupport.column(c,
                "select name from public.contacts where org_id = ? order by name", clinicA));
        assertThat(seenByA).containsExactly("Current");
        // another clinic's user asks for clinic A's contacts by its id: its worker applies the policy
        List<String> seenByB = SchemaTestSupport.as(db, userB, RequestBinding.Placement.DISTRIBUTED, c -> SchemaTestSupport.column(c,
                "select name from public.contacts where org_id = ?", clinicA));
        assertThat(seenByB).isEmpty();
        // the same policy written as the subquery, as on one server: Citus refuses it on a distributed table
        assertThatThrownBy(() -> SchemaTestSupport.admin(db, "alter policy contacts_select_org on public.contacts"
                + " using (org_id = (select public.auth_org_id()) and not archived)"))
                .isInstanceOf(SQLException.class).hasMessageContaining("Subqueries are not supported in policies");
    }

    @Test
    void laterMigrationsAppliedBeforeDistributingValidateAfterAndLeaveThePlainForm() throws Exception {
        try (TestDatabase before = migratedDatabase()) {
            withLaterMigrations(before).migrate();
            assertThat(adminColumn(before, "select qual from pg_catalog.pg_policies where policyname = 'contacts_select_org'"))
                    .singleElement().satisfies(qual -> assertThat(qual).containsIgnoringCase("select").contains("archived"));
            CitusSupport.configureWorkers(before, CitusSupport.schema(before).distribute());

            MigrationResult again = withLaterMigrations(before).migrate();
            assertThat(again.applied()).isEmpty();
            assertThat(again.services().get("later_schema_history").applied()).isEmpty();
            assertThat(withLaterMigrations(before).info()).allMatch(m -> m.state() == MigrationStatus.State.APPLIED
                    || m.state() == MigrationStatus.State.BASELINE);
            assertThat(adminColumn(before, "select qual from pg_catalog.pg_policies where policyname = 'contacts_select_org'"))
                    .singleElement().satisfies(qual -> assertThat(qual).doesNotContainIgnoringCase("select").contains("archived"));
            assertThat(CitusSupport.schema(before).verify().check(VerifyCheck.POLICY_FORM).orElseThrow().status())
                    .isEqualTo(VerifyReport.Status.PASS);
        }
    }
}
