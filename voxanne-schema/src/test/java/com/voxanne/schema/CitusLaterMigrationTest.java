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
 * applied by {@code migrate} as on one server: Citus carries its DDL to every shard, and the database stays
 * as {@code verify} expects a distributed one.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusLaterMigrationTest {

    private static TestDatabase db;

    @BeforeAll
    static void distributeThenMigrate() throws Exception {
        db = migratedDatabase();
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
        VoxanneSchema.configure().dataSource(db.adminDataSource())
                .serviceMigrations("later_schema_history", "classpath:db/later/migration").load().migrate();
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
}
