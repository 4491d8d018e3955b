package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A service's own migrations beside Voxanne's: applied by {@link VoxanneSchema} with their own history
 * table, reported by info(), and judged by verify() under items of their own.
 */
class ServiceMigrationsTest {

    static final String HISTORY = "intake_schema_history";
    static final String LOCATION = "classpath:db/intake/migration";

    static final VerifyCheck SERVICE_RLS = VerifyCheck.SERVICE_TENANT_TABLES_RLS;
    static final VerifyCheck SERVICE_POLICIES = VerifyCheck.SERVICE_TENANT_TABLES_POLICIES;
    static final VerifyCheck SERVICE_ANON = VerifyCheck.SERVICE_TABLES_ANON;
    static final VerifyCheck NOT_TENANT_KEYED = VerifyCheck.SERVICE_TABLES_WITHOUT_ORG_ID;
    static final VerifyCheck HISTORY_TABLES = VerifyCheck.MIGRATION_HISTORY_PRIVILEGES;

    private static VoxanneSchema withService(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).serviceMigrations(HISTORY, LOCATION).load();
    }

    /** Voxanne's and the intake service's migrations, applied through VoxanneSchema, cloned per test. */
    private static TestDatabase migratedWithService() {
        DatabaseTemplate template = TestPostgres.shared().template("voxanne-schema-intake", db -> {
            withService(db).migrate();
            SchemaTestSupport.grantApiRoles(db.server(), db.adminDataSource());
        });
        return template.newDatabase();
    }

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    /** The item saying whether the intake service's migrations are all applied. */
    private static Check serviceMigrationsApplied(VerifyReport report) {
        return report.check(VerifyCheck.SERVICE_MIGRATIONS_APPLIED, HISTORY)
                .orElseThrow(() -> new AssertionError("no check SERVICE_MIGRATIONS_APPLIED for " + HISTORY + " in\n" + report));
    }

    @Test
    void migratesVoxanneThenTheServiceInItsOwnHistoryTableAndThenHasNothingToDo() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            List<AppliedMigration> progress = new ArrayList<>();
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource())
                    .serviceMigrations(HISTORY, LOCATION).listener(progress::add).load();

            MigrationResult first = schema.migrate();
            assertThat(first.applied()).hasSize(MigrationLifecycleTest.MIGRATION_COUNT).allMatch(AppliedMigration::isVoxanne);
            assertThat(first.services()).containsOnlyKeys(HISTORY);
            MigrationResult intake = first.services().get(HISTORY);
            assertThat(intake.applied()).extracting(AppliedMigration::version).containsExactly("1", "2");
            assertThat(intake.applied()).extracting(AppliedMigration::historyTable).containsOnly(HISTORY);
            assertThat(intake.currentVersion()).isEqualTo("2");
            // Voxanne's first, then the service's, each told to the listener with its history table
            assertThat(progress).extracting(AppliedMigration::historyTable).endsWith(HISTORY, HISTORY)
                    .startsWith(VoxanneSchema.HISTORY_TABLE);
            assertThat(adminColumn(db, "select version from public.intake_schema_history order by installed_rank"))
                    .containsExactly("0", "1", "2");
            assertThat(adminColumn(db, "select count(*)::text from public.voxanne_schema_history where version in ('1', '2')"))
                    .containsExactly("2");

            List<MigrationStatus> info = schema.info();
            assertThat(info).filteredOn(MigrationStatus::isVoxanne).hasSize(MigrationLifecycleTest.MIGRATION_COUNT)
                    .allMatch(s -> s.state() == MigrationStatus.State.APPLIED);
            assertThat(info).filteredOn(s -> !s.isVoxanne()).extracting(MigrationStatus::historyTable,
                    MigrationStatus::version, MigrationStatus::state).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(HISTORY, "0", MigrationStatus.State.BASELINE),
                    org.assertj.core.groups.Tuple.tuple(HISTORY, "1", MigrationStatus.State.APPLIED),
                    org.assertj.core.groups.Tuple.tuple(HISTORY, "2", MigrationStatus.State.APPLIED));

            MigrationResult second = schema.migrate();
            assertThat(second.applied()).isEmpty();
            assertThat(second.services().get(HISTORY).applied()).isEmpty();
            assertThat(second.services().get(HISTORY).currentVersion()).isEqualTo("2");

            // protected as Voxanne's own history table is
            assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated',"
                    + " 'service_role') and has_table_privilege(r.oid, 'public.intake_schema_history', 'select')")).isEmpty();
        }
    }

    @Test
    void aServiceMigratedBesideVoxannePassesVerifyAndItsTablesAreJudgedUnderServiceItems() {
        try (TestDatabase db = migratedWithService()) {
            VerifyReport report = withService(db).verify();
            assertThat(report.passed()).as(report.toString()).isTrue();
            assertThat(report.withStatus(Status.WARN)).extracting(Check::id).allMatch(id -> id == VerifyCheck.PGAUDIT
                    // a database on a Citus coordinator that distribute has not placed yet
                    || id == VerifyCheck.DISTRIBUTED_TABLES && CitusSupport.onCitus());
            Check applied = serviceMigrationsApplied(report);
            assertThat(applied.reason()).isEqualTo("2 migrations applied, none pending");
            assertThat(applied.item()).isEqualTo("Service migrations applied (" + HISTORY + ")");
            assertThat(item(report, SERVICE_RLS).reason()).contains("intake_calls");
            assertThat(item(report, SERVICE_POLICIES).status()).isEqualTo(Status.PASS);
            assertThat(item(report, NOT_TENANT_KEYED).reason()).contains("intake_settings");
            assertThat(item(report, HISTORY_TABLES).reason()).contains(HISTORY, VoxanneSchema.HISTORY_TABLE);
            assertThat(item(report, VerifyCheck.RLS_ENABLED_AND_FORCED).reason()).contains("of Voxanne's tables");
        }
    }

    /**
     * A service migrated with Flyway directly (its own history table, baseline 0) leaves a history table
     * without row-level security; verify() must not fail on it. A history table is recognised by its
     * shape, with no configuration.
     */
    @Test
    void aServiceHistoryTableMadeByFlywayDirectlyDoesNotFailVerify() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            Flyway.configure().dataSource(db.adminDataSource()).locations(LOCATION).table(HISTORY)
                    .baselineOnMigrate(true).baselineVersion("0").load().migrate();
            assertThat(adminColumn(db, "select relrowsecurity::text from pg_class where oid = 'public.intake_schema_history'::regclass"))
                    .containsExactly("false");

            VerifyReport report = VoxanneSchema.configure().dataSource(db.adminDataSource()).load().verify();
            assertThat(report.passed()).as(report.toString()).isTrue();
            assertThat(item(report, VerifyCheck.RLS_ENABLED_AND_FORCED).status()).isEqualTo(Status.PASS);
            assertThat(item(report, HISTORY_TABLES).reason()).contains(HISTORY);
            assertThat(item(report, SERVICE_RLS).reason()).contains("intake_calls");
        }
    }

    @Test
    void aServiceTenantTableWithoutForcedRlsFailsTheServiceItemNamingItAndNotVoxannes() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            assertThat(item(withService(db).verify(), SERVICE_RLS).status()).isEqualTo(Status.PASS);
            admin(db, "alter table public.intake_calls no force row level security");

            VerifyReport report = withService(db).verify();
            Check check = item(report, SERVICE_RLS);
            assertThat(check.status()).as(report.toString()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains("[intake_calls]", "force row level security");
            assertThat(item(report, VerifyCheck.RLS_ENABLED_AND_FORCED).status()).isEqualTo(Status.PASS);
            assertThat(report.passed()).isFalse();
        }
    }

    @Test
    void aTenantTableWithoutAnyRlsFailsToo() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "create table public.intake_transcripts (id bigint primary key, org_id uuid not null)");
            Check check = item(withService(db).verify(), SERVICE_RLS);
            assertThat(check.status()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains("[intake_transcripts]").doesNotContain("intake_calls");
        }
    }

    /** Looking like a Flyway history table does not take tenant data out of the tenant checks. */
    @Test
    void aTenantTableShapedLikeAHistoryTableIsStillATenantTable() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "create table public.intake_disguised (installed_rank int primary key, version text,"
                    + " description text, type text, script text, checksum int, installed_by text,"
                    + " installed_on timestamp, execution_time int, success boolean, org_id uuid)");
            Check check = item(withService(db).verify(), SERVICE_RLS);
            assertThat(check.status()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains("intake_disguised");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"authenticated", "anon", "public"})
    void aHistoryTableAnApiRoleMayReadFails(String grantee) throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "grant select on public.intake_schema_history to " + grantee);
            VerifyReport report = withService(db).verify();
            Check check = item(report, HISTORY_TABLES);
            assertThat(check.status()).as(report.toString()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains("intake_schema_history (", "SELECT",
                    "revoke all on public.intake_schema_history from public, anon, authenticated");
            if (!grantee.equals("anon")) {
                assertThat(check.reason()).contains("authenticated: SELECT");
            }
            // a history table is never asked for row-level security
            assertThat(item(report, SERVICE_RLS).status()).isEqualTo(Status.PASS);
            assertThat(item(report, VerifyCheck.RLS_ENABLED_AND_FORCED).status()).isEqualTo(Status.PASS);

            admin(db, "revoke all on public.intake_schema_history from public, anon, authenticated");
            assertThat(item(withService(db).verify(), HISTORY_TABLES).status()).isEqualTo(Status.PASS);
        }
    }

    @Test
    void aHistoryTableNotConfiguredAndWritableByAuthenticatedFails() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            Flyway.configure().dataSource(db.adminDataSource()).locations(LOCATION).table("other_history")
                    .baselineOnMigrate(true).baselineVersion("0").load().migrate();
            admin(db, "grant insert, delete on public.other_history to authenticated");
            Check check = item(VoxanneSchema.configure().dataSource(db.adminDataSource()).load().verify(), HISTORY_TABLES);
            assertThat(check.status()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains("other_history (authenticated: INSERT, DELETE)");
        }
    }

    @Test
    void aServicePolicyForEveryoneOrAnAnonGrantFailsItsServiceItem() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "create policy intake_calls_peek on public.intake_calls for select using (true)");
            admin(db, "grant select on public.intake_calls to anon");
            VerifyReport report = withService(db).verify();
            assertThat(item(report, SERVICE_POLICIES).status()).isEqualTo(Status.FAIL);
            assertThat(item(report, SERVICE_POLICIES).reason()).contains("intake_calls.intake_calls_peek");
            assertThat(item(report, SERVICE_ANON).status()).isEqualTo(Status.FAIL);
            assertThat(item(report, SERVICE_ANON).reason()).contains("intake_calls (SELECT)");
            // Voxanne's own items judge Voxanne's tables only
            assertThat(item(report, VerifyCheck.POLICIES).status()).isEqualTo(Status.PASS);
            assertThat(item(report, VerifyCheck.ANON_TABLE_PRIVILEGES).status()).isEqualTo(Status.PASS);
        }
    }

    @Test
    void anAuthenticatedPolicyThatIgnoresTheOrganizationWarns() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "create policy intake_calls_all on public.intake_calls for select to authenticated using (true)");
            Check check = item(withService(db).verify(), SERVICE_POLICIES);
            assertThat(check.status()).isEqualTo(Status.WARN);
            assertThat(check.reason()).contains("intake_calls.intake_calls_all").doesNotContain("intake_calls_org");
        }
    }

    @Test
    void aTableWithoutOrgIdOpenToAuthenticatedWithoutRlsWarnsAndRlsMakesItPass() throws SQLException {
        try (TestDatabase db = migratedWithService()) {
            admin(db, "grant select, update on public.intake_settings to authenticated");
            VerifyReport report = withService(db).verify();
            Check check = item(report, NOT_TENANT_KEYED);
            assertThat(check.status()).isEqualTo(Status.WARN);
            assertThat(check.reason()).contains("not tenant-keyed", "intake_settings (SELECT, UPDATE)");
            assertThat(report.passed()).isTrue();

            admin(db, "alter table public.intake_settings enable row level security");
            assertThat(item(withService(db).verify(), NOT_TENANT_KEYED).status()).isEqualTo(Status.PASS);
        }
    }

    @Test
    void configuredServiceMigrationsNotAppliedFailVerify() {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VerifyReport report = withService(db).verify();
            Check check = serviceMigrationsApplied(report);
            assertThat(check.status()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains(HISTORY + " V1 pending", HISTORY + " V2 pending");
        }
    }

    @Test
    void aMissingLocationFailsAfterVoxannesMigrations() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource())
                    .serviceMigrations(HISTORY, "classpath:db/intake/no_such_folder").load();
            assertThatThrownBy(schema::migrate).isInstanceOf(SchemaException.class)
                    .hasMessageContaining("service migration " + HISTORY).hasMessageContaining("no_such_folder");
            assertThat(adminColumn(db, "select count(*)::text from public.voxanne_schema_history where success"))
                    .containsExactly(String.valueOf(MigrationLifecycleTest.MIGRATION_COUNT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Intake_history", "1history", "intake-history", "intake history", "public.intake",
            "voxanne_schema_history", "", "a_name_that_is_much_longer_than_sixty_three_characters_is_not_an_identifier"})
    void aHistoryTableThatIsNotAPlainIdentifierOrIsVoxannesIsRefusedBeforeAnySql(String table) {
        assertThatThrownBy(() -> VoxanneSchema.configure().serviceMigrations(table, LOCATION))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service history table");
    }

    @Test
    void locationsAreRequiredAndEachHistoryTableServesOneSet() {
        assertThatThrownBy(() -> VoxanneSchema.configure().serviceMigrations(HISTORY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one location");
        assertThatThrownBy(() -> VoxanneSchema.configure().serviceMigrations(HISTORY, " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a location is empty");
        assertThatThrownBy(() -> VoxanneSchema.configure().serviceMigrations(HISTORY, (String) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a location is empty");
        assertThatThrownBy(() -> VoxanneSchema.configure().serviceMigrations(HISTORY, LOCATION)
                .serviceMigrations(HISTORY, "classpath:db/other"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        // two services, each with its own history table
        VoxanneSchema.configure().serviceMigrations(HISTORY, LOCATION).serviceMigrations("billing_schema_history",
                "classpath:db/billing");
    }
}
