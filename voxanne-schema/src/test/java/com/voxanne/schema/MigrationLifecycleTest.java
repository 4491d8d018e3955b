package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Migrate, info, re-run, baseline, roll back and refuse: the schema's life cycle on real PostgreSQL. */
class MigrationLifecycleTest {

    static final int MIGRATION_COUNT = 18;

    private static VoxanneSchema schema(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
    }

    @Test
    void migratesAnEmptyDatabaseAndThenHasNothingToDo() {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            List<AppliedMigration> progress = new ArrayList<>();
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource())
                    .listener(progress::add).load();
            assertThat(schema.info()).allMatch(s -> s.state() == MigrationStatus.State.PENDING).hasSize(MIGRATION_COUNT);

            MigrationResult first = schema.migrate();
            assertThat(first.initialVersion()).isNull();
            assertThat(first.currentVersion()).isEqualTo(String.valueOf(MIGRATION_COUNT));
            assertThat(first.applied()).extracting(AppliedMigration::version)
                    .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18");
            assertThat(progress).extracting(AppliedMigration::description).containsExactlyElementsOf(
                    first.applied().stream().map(AppliedMigration::description).collect(Collectors.toList()));
            assertThat(schema.info()).allMatch(s -> s.state() == MigrationStatus.State.APPLIED);

            MigrationResult second = schema.migrate();
            assertThat(second.applied()).isEmpty();
            assertThat(second.currentVersion()).isEqualTo(String.valueOf(MIGRATION_COUNT));
        }
    }

    /**
     * Each script, applied by hand right after itself (as a retry after a lost connection would), changes
     * nothing: every script applied twice in a row, from an empty database, leaves the catalog a migrate
     * leaves. (An earlier script re-run on a later schema may refuse: V13 checks its index's definition,
     * to which V18 adds a storage parameter.)
     */
    @Test
    void everyScriptCanBeAppliedTwiceByHandWithoutChangingAnything() throws Exception {
        try (TestDatabase migrated = SchemaTestSupport.migratedDatabase();
             TestDatabase byHand = TestPostgres.shared().createDatabase()) {
            for (Path script : scripts("migration")) {
                for (int time = 0; time < 2; time++) {
                    try (Connection c = byHand.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                        c.setAutoCommit(false);
                        s.execute(byHand(script));
                        c.commit();
                    }
                }
            }
            assertThat(CatalogSnapshot.of(byHand.adminDataSource()))
                    .containsExactlyElementsOf(CatalogSnapshot.of(migrated.adminDataSource()));
        }
    }

    @Test
    void rollingBackEverythingAndMigratingAgainLeavesAnIdenticalCatalog() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            VoxanneSchema schema = schema(db);
            schema.migrate();
            List<String> migrated = CatalogSnapshot.of(db.adminDataSource());

            RollbackResult rollback = schema.rollbackTo("0", false);
            assertThat(rollback.fromVersion()).isEqualTo(String.valueOf(MIGRATION_COUNT));
            assertThat(rollback.undone()).extracting(AppliedMigration::version)
                    .containsExactly("18", "17", "16", "15", "14", "13", "12", "11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1");
            assertThat(schema.info()).allMatch(s -> s.state() == MigrationStatus.State.PENDING);
            assertThat(adminColumn(db, "select to_regclass('public.contacts')::text")).containsOnlyNulls();

            schema.migrate();
            assertThat(CatalogSnapshot.of(db.adminDataSource())).containsExactlyElementsOf(migrated);
        }
    }

    /**
     * Undoing the migrations after {@code kept} leaves the catalog that applying only the first {@code
     * kept} scripts gives: U11 restores V5's auth_org_id body (md5 of its source), V6's
     * idx_contacts_last_contact and drops V11's objects; U12 restores V11's function bodies; U13 restores
     * V12's search function and drops the token index and its function; U14 restores V13's function bodies,
     * settings and policies and puts back the database privileges, default privileges and role settings
     * V14 changed; U15 restores V14's create_notification (declaration, body, comment, grants); U16 V14's
     * audit_row_change; U17 V10's row triggers.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 11, 12, 13, 14, 15, 16})
    void rollingBackTheNewerMigrationsLeavesTheCatalogOfTheOlderOnes(int kept) throws Exception {
        try (TestDatabase older = TestPostgres.shared().createDatabase();
             TestDatabase all = TestPostgres.shared().createDatabase()) {
            for (Path script : scripts("migration")) {
                if (version(script) <= kept) {
                    try (Connection c = older.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                        c.setAutoCommit(false);
                        s.execute(byHand(script));
                        c.commit();
                    }
                }
            }
            VoxanneSchema schema = schema(all);
            schema.migrate();
            List<String> newer = IntStream.iterate(MIGRATION_COUNT, v -> v > kept, v -> v - 1)
                    .mapToObj(String::valueOf).collect(Collectors.toList());
            RollbackResult back = schema.rollbackTo(String.valueOf(kept), false);
            assertThat(back.undone()).extracting(AppliedMigration::version).containsExactlyElementsOf(newer);
            assertThat(CatalogSnapshot.of(all.adminDataSource()))
                    .containsExactlyElementsOf(CatalogSnapshot.of(older.adminDataSource()));
            Collections.reverse(newer);
            assertThat(schema.migrate().applied()).extracting(AppliedMigration::version).containsExactlyElementsOf(newer);
        }
    }

    @Test
    void aRollbackThatWouldDeleteRowsIsRefusedAndChangesNothing() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            UUID org = SchemaTestSupport.organization(db, "Clinic");
            admin(db, "insert into public.contacts (org_id, name) values (?, 'Ann')", org);
            VoxanneSchema schema = schema(db);

            assertThatThrownBy(() -> schema.rollbackTo("5", false))
                    .isInstanceOf(RollbackRefusedException.class)
                    // the newest migration that would lose data refuses first (U11 deletes no rows): the audit
                    // trail of that insert would go with V10
                    .hasMessageContaining("rollback of V10 would delete")
                    .hasMessageContaining("public.audit_logs")
                    .hasMessageContaining("nothing changed");
            assertThat(schema.info()).allMatch(s -> s.state() == MigrationStatus.State.APPLIED);
            assertThat(adminColumn(db, "select name from public.contacts")).containsExactly("Ann");

            RollbackResult forced = schema.rollbackTo("5", true);
            assertThat(forced.undone()).extracting(AppliedMigration::version).containsExactly("18", "17", "16", "15", "14", "13", "12", "11", "10", "9", "8", "7", "6");
            assertThat(adminColumn(db, "select to_regclass('public.contacts')::text")).containsOnlyNulls();
            assertThat(schema.migrate().applied()).hasSize(13);
        }
    }

    @Test
    void aDatabaseMigratedByANewerVersionIsRefused() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "insert into public.voxanne_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) values (99, '99', 'from the future', 'SQL',"
                    + " 'V99__from_the_future.sql', 0, current_user, 1, true)");
            VoxanneSchema schema = schema(db);
            assertThat(schema.info()).anyMatch(s -> s.state() == MigrationStatus.State.FUTURE && s.version().equals("99"));
            assertThatThrownBy(schema::migrate).isInstanceOf(NewerSchemaException.class)
                    .hasMessageContaining("version(s) 99");
            assertThatThrownBy(() -> schema.rollbackTo("0", true)).isInstanceOf(NewerSchemaException.class);
        }
    }

    @Test
    void anExistingDatabaseIsAdoptedByBaselineAndThenMigrated() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            admin(db, "create table public.calls (id uuid primary key, org_id uuid, vapi_call_id text,"
                    + " created_at timestamptz not null default now())");
            VoxanneSchema schema = schema(db);
            assertThatThrownBy(schema::migrate).isInstanceOf(SchemaException.class).hasMessageContaining("baseline");

            schema.baseline();
            assertThat(schema.info()).first().satisfies(s -> assertThat(s.state()).isEqualTo(MigrationStatus.State.BASELINE));
            assertThat(schema.migrate().applied()).hasSize(MIGRATION_COUNT);
            assertThat(adminColumn(db, "select relforcerowsecurity::text from pg_class where oid = 'public.calls'::regclass"))
                    .containsExactly("true");
        }
    }

    @Test
    void theHistoryTableIsHiddenFromTheApiRoles() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated',"
                    + " 'service_role') and has_table_privilege(r.oid, 'public.voxanne_schema_history', 'select')"))
                    .isEmpty();
            assertThat(adminColumn(db, "select relrowsecurity::text || relforcerowsecurity::text from pg_class"
                    + " where oid = 'public.voxanne_schema_history'::regclass")).containsExactly("truetrue");
        }
    }

    /** The migration or rollback scripts, in version order. */
    static List<Path> scripts(String folder) throws IOException, URISyntaxException {
        Path dir = Paths.get(MigrationLifecycleTest.class.getClassLoader()
                .getResource("db/voxanne/" + folder).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".sql"))
                    .sorted((a, b) -> Integer.compare(version(a), version(b)))
                    .collect(Collectors.toList());
        }
    }

    /** A migration's text as a person applying it by hand on one server runs it: placeholders resolved. */
    static String byHand(Path script) throws IOException {
        return MigrationPlaceholders.resolve(Files.readString(script), script.getFileName().toString(),
                Placement.SINGLE_SERVER);
    }

    private static int version(Path script) {
        String name = script.getFileName().toString();
        return Integer.parseInt(name.substring(1, name.indexOf("__")));
    }

    static String read(String resource) throws IOException {
        try (InputStream in = MigrationLifecycleTest.class.getClassLoader().getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
