package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static com.voxanne.schema.SchemaTestSupport.organization;
import static com.voxanne.schema.SchemaTestSupport.update;
import static com.voxanne.schema.SchemaTestSupport.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A migration writes a tenant policy's caller as {@code ${voxanne:auth_org_id}} and
 * {@code ${voxanne:auth_user_id}}: on one server {@code migrate} puts in the subquery form (ADR 0007), the
 * policies hold as written, and the checksum recorded does not depend on the form, so the script validates
 * after the database is distributed (the distributed form: {@code CitusLaterMigrationTest}).
 */
class MigrationPlaceholdersTest {

    static final String HISTORY = "notes_schema_history";
    static final String LOCATION = "classpath:db/placeholders/migration";

    private static VoxanneSchema withNotes(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).serviceMigrations(HISTORY, LOCATION).load();
    }

    private static TestDatabase migratedWithNotes() {
        DatabaseTemplate template = TestPostgres.shared().template("voxanne-schema-placeholders", db -> {
            withNotes(db).migrate();
            SchemaTestSupport.grantApiRoles(db.server(), db.adminDataSource());
        });
        return template.newDatabase();
    }

    @Test
    void onOneServerThePoliciesReadTheCallerOncePerStatementAndNoPlaceholderIsLeft() throws SQLException {
        try (TestDatabase db = migratedWithNotes()) {
            List<String> expressions = adminColumn(db, "select coalesce(qual, '') || ' | ' || coalesce(with_check, '')"
                    + " from pg_catalog.pg_policies where tablename = 'visit_notes' and 'authenticated' = any(roles)"
                    + " order by policyname");
            assertThat(expressions).hasSize(3).allSatisfy(e -> {
                assertThat(e).doesNotContain("${");
                assertThat(e).contains("( SELECT auth_org_id() AS auth_org_id)");
            });
            assertThat(expressions).filteredOn(e -> e.contains("user_id"))
                    .hasSize(2).allSatisfy(e -> assertThat(e).contains("( SELECT auth_user_id() AS auth_user_id)"));
            VerifyReport report = withNotes(db).verify();
            for (VerifyCheck check : new VerifyCheck[] {VerifyCheck.POLICY_FORM, VerifyCheck.SERVICE_TENANT_TABLES_POLICIES}) {
                assertThat(report.check(check).orElseThrow().status()).as(check.name()).isEqualTo(VerifyReport.Status.PASS);
            }
        }
    }

    @Test
    void aUserWritesOnlyAsHimselfInHisClinicAndReadsHisClinicsNotesOnly() throws SQLException {
        try (TestDatabase db = migratedWithNotes()) {
            UUID clinicA = organization(db, "Clinic A");
            UUID clinicB = organization(db, "Clinic B");
            UUID ann = user(db, clinicA);
            UUID ben = user(db, clinicA);
            UUID cal = user(db, clinicB);
            RequestClaims asAnn = RequestClaims.user(clinicA, ann);
            RequestClaims asBen = RequestClaims.user(clinicA, ben);
            RequestClaims asCal = RequestClaims.user(clinicB, cal);
            String insert = "insert into public.visit_notes (org_id, user_id, body) values (?, ?, ?)";

            // control: each writes his own note in his own clinic
            assertThat(update(db, asAnn, insert, clinicA, ann, "ann's note")).isEqualTo(1);
            assertThat(update(db, asBen, insert, clinicA, ben, "ben's note")).isEqualTo(1);
            assertThat(update(db, asCal, insert, clinicB, cal, "cal's note")).isEqualTo(1);

            // attacks: a note in another user's name, a note in another clinic
            assertThatThrownBy(() -> update(db, asAnn, insert, clinicA, ben, "forged"))
                    .isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "42501");
            assertThatThrownBy(() -> update(db, asAnn, insert, clinicB, ann, "elsewhere"))
                    .isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "42501");

            // a clinic's notes, all of them and none of another clinic's
            assertThat(column(db, asAnn, "select body from public.visit_notes order by body"))
                    .containsExactly("ann's note", "ben's note");
            assertThat(column(db, asCal, "select body from public.visit_notes")).containsExactly("cal's note");
            assertThat(column(db, asAnn, "select body from public.visit_notes where org_id = ?", clinicB)).isEmpty();

            // another user's note cannot be changed, his own can
            assertThat(update(db, asAnn, "update public.visit_notes set body = 'changed' where user_id = ?", ben)).isZero();
            assertThat(update(db, asAnn, "update public.visit_notes set body = 'changed' where user_id = ?", ann)).isEqualTo(1);
            assertThat(adminColumn(db, "select body from public.visit_notes where user_id = ?", ben)).containsExactly("ben's note");
        }
    }

    @Test
    void theChecksumRecordedDoesNotDependOnTheFormSoTheScriptValidatesOnADistributedDatabase(@TempDir Path edited)
            throws IOException, URISyntaxException {
        try (TestDatabase db = migratedWithNotes()) {
            for (Placement placement : Placement.values()) {
                ValidateResult result = validate(db, LOCATION, placement);
                assertThat(result.validationSuccessful).as(placement + ": " + result.getAllErrorMessages()).isTrue();
            }
            // control: the same script with one comment edited does not validate
            Path script = Path.of(MigrationPlaceholdersTest.class.getClassLoader()
                    .getResource("db/placeholders/migration/V1__visit_notes.sql").toURI());
            Files.writeString(edited.resolve(script.getFileName()), Files.readString(script).replace("-- a clinic's users",
                    "-- (edited) a clinic's users"));
            ValidateResult changed = validate(db, "filesystem:" + edited.toAbsolutePath(), Placement.SINGLE_SERVER);
            assertThat(changed.validationSuccessful).isFalse();
            assertThat(changed.getAllErrorMessages()).contains("checksum mismatch");
        }
    }

    /** Flyway's validation of the notes' history against {@code location}, with the placeholders of {@code placement}. */
    private static ValidateResult validate(TestDatabase db, String location, Placement placement) {
        return Flyway.configure().dataSource(db.adminDataSource()).locations(location)
                .table(HISTORY).defaultSchema("public").baselineVersion("0")
                .placeholders(MigrationPlaceholders.values(placement)).load().validateWithResult();
    }

    @Test
    void aPlaceholderThatDoesNotExistFailsTheMigrationAndNamesIt() {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource())
                    .serviceMigrations("typo_schema_history", "classpath:db/placeholder-typo/migration").load();
            assertThatThrownBy(schema::migrate).isInstanceOf(SchemaException.class)
                    .hasMessageContaining("${voxanne:auth_org}");
            assertThat(SchemaTestSupport.adminColumn(db, "select to_regclass('public.typo_notes')::text")).containsOnlyNulls();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void scriptsRunOutsideFlywayGetTheSameFormsAndAnUnknownPlaceholderIsRefused() {
        String policy = "using (org_id = ${voxanne:auth_org_id} and user_id = ${voxanne:auth_user_id})";
        assertThat(MigrationPlaceholders.resolve(policy, "U99__x.sql", Placement.SINGLE_SERVER))
                .isEqualTo("using (org_id = (select public.auth_org_id()) and user_id = (select public.auth_user_id()))");
        assertThat(MigrationPlaceholders.resolve(policy, "U99__x.sql", Placement.DISTRIBUTED))
                .isEqualTo("using (org_id = public.auth_org_id() and user_id = public.auth_user_id())");
        assertThat(MigrationPlaceholders.resolve("select '$1', '${other}'", "U99__x.sql", Placement.DISTRIBUTED))
                .isEqualTo("select '$1', '${other}'");
        assertThatThrownBy(() -> MigrationPlaceholders.resolve("using (org_id = ${voxanne:org})", "U99__x.sql", Placement.SINGLE_SERVER))
                .isInstanceOf(SchemaException.class).hasMessageContaining("U99__x.sql")
                .hasMessageContaining("${voxanne:org}").hasMessageContaining("${voxanne:auth_org_id}");
    }
}
