package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Upgrading a database that holds legacy webhook events (version 1 only) to the current schema: V9
 * attributes every event to an organization deterministically, loses no row, reports what it did and
 * replaces the global idempotency key by one per organization; or, when that key cannot hold, fails
 * clearly and leaves the database at version 8.
 */
class LegacyUpgradeTest {

    private static final UUID DEFAULT_ORG = UUID.fromString("00000000-0000-0000-0000-000000000001");
    // Legacy organizations, in uuid order: O1 < O2 < O3 (V9 takes the lowest when a vapi id names several).
    private static final UUID O1 = UUID.fromString("10000000-0000-0000-0000-0000000000a1");
    private static final UUID O2 = UUID.fromString("20000000-0000-0000-0000-0000000000a2");
    private static final UUID O3 = UUID.fromString("30000000-0000-0000-0000-0000000000a3");

    /** A new database migrated to version 1 only, as a database from before Phase 1 would be after adoption. */
    private static TestDatabase legacyDatabase() {
        TestDatabase db = TestPostgres.shared().createDatabase();
        Flyway.configure(VoxanneSchema.class.getClassLoader())
                .dataSource(db.adminDataSource())
                .locations("classpath:" + VoxanneSchema.MIGRATION_LOCATION)
                .table(VoxanneSchema.HISTORY_TABLE)
                .defaultSchema("public")
                .createSchemas(false)
                .placeholders(MigrationPlaceholders.values(Placement.SINGLE_SERVER))
                .target("1")
                .load()
                .migrate();
        return db;
    }

    private static VoxanneSchema schema(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
    }

    private static UUID call(TestDatabase db, UUID org, String vapiCallId) throws SQLException {
        UUID id = UUID.randomUUID();
        admin(db, "insert into public.calls (id, org_id, vapi_call_id) values (?, ?, ?)", id, org, vapiCallId);
        return id;
    }

    private static UUID callLog(TestDatabase db, UUID org, UUID callId, String vapiCallId) throws SQLException {
        UUID id = UUID.randomUUID();
        admin(db, "insert into public.call_logs (id, org_id, call_id, vapi_call_id) values (?, ?, ?, ?)",
                id, org, callId, vapiCallId);
        return id;
    }

    private static UUID event(TestDatabase db, String eventId, UUID callLogId, UUID callId, String vapiCallId)
            throws SQLException {
        UUID id = UUID.randomUUID();
        admin(db, "insert into public.processed_webhook_events (id, event_id, event_type, call_log_id, call_id,"
                + " vapi_call_id) values (?, ?, 'call.ended', ?, ?, ?)", id, eventId, callLogId, callId, vapiCallId);
        return id;
    }

    private static String count(TestDatabase db, String from) throws SQLException {
        return adminColumn(db, "select count(*)::text from " + from).get(0);
    }

    private static String orgOf(TestDatabase db, UUID event) throws SQLException {
        return adminColumn(db, "select org_id::text from public.processed_webhook_events where id = ?", event).get(0);
    }

    /** A query's "key=value" lines as a map. */
    private static Map<String, String> pairs(TestDatabase db, String sql, Object... params) throws SQLException {
        return adminColumn(db, sql, params).stream().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1], (x, y) -> x + "," + y, LinkedHashMap::new));
    }

    /** The report of one migration: item to count. */
    private static Map<String, Long> report(TestDatabase db, String migration) throws SQLException {
        Map<String, Long> report = new LinkedHashMap<>();
        pairs(db, "select item || '=' || count from public.voxanne_migration_report where migration = ? order by item",
                migration).forEach((item, count) -> report.put(item, Long.valueOf(count)));
        return report;
    }

    /**
     * Unique indexes of processed_webhook_events, other than the primary key, that do not include org_id:
     * each of them would still refuse one organization's event because of another's.
     */
    private static String crossTenantUniques(TestDatabase db) throws SQLException {
        return adminColumn(db, "select coalesce(string_agg(i.indexrelid::regclass::text, ',' order by 1), '')"
                + " from pg_index i where i.indrelid = 'public.processed_webhook_events'::regclass"
                + " and i.indisunique and not i.indisprimary and not exists (select 1 from pg_attribute a"
                + " where a.attrelid = i.indrelid and a.attname = 'org_id' and a.attnum = any (i.indkey::int2[]))").get(0);
    }

    @Test
    void everyLegacyEventIsAttributedDeterministicallyAndNoneIsLost() throws SQLException {
        try (TestDatabase db = legacyDatabase()) {
            // A second global unique on event_id, as a hand-made production index might be.
            admin(db, "create unique index processed_webhook_events_event_id_idx"
                    + " on public.processed_webhook_events (event_id) include (event_type)");

            UUID callO2 = call(db, O2, "vapi-call-o2");
            UUID callWithoutOrg = call(db, null, null);
            UUID callO1 = call(db, O1, null);
            // vapi-two names O3 (through calls, inserted first) and O2 (through call_logs)
            call(db, O3, "vapi-two");
            callLog(db, O2, null, "vapi-two");
            UUID logO1 = callLog(db, O1, callWithoutOrg, "vapi-log-o1");
            UUID logWithoutOrg = callLog(db, null, null, null);
            callLog(db, O3, null, "vapi-only-o3");

            event(db, "evt-via-log", logO1, null, null);
            event(db, "evt-via-call", null, callO2, null);
            event(db, "evt-log-without-org-then-call", logWithoutOrg, callO1, null);
            event(db, "evt-via-vapi", null, null, "vapi-only-o3");
            event(db, "evt-orphan", null, null, null);
            event(db, "evt-dangling", UUID.randomUUID(), UUID.randomUUID(), "vapi-unknown");
            event(db, "evt-conflict-log-vs-call", logO1, callO2, null);
            event(db, "evt-vapi-two-orgs", null, null, "vapi-two");
            String before = count(db, "public.processed_webhook_events");

            schema(db).migrate();

            assertThat(count(db, "public.processed_webhook_events")).isEqualTo(before).isEqualTo("8");
            assertThat(pairs(db, "select event_id || '=' || org_id from public.processed_webhook_events"))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "evt-via-log", O1.toString(),
                            "evt-via-call", O2.toString(),
                            "evt-log-without-org-then-call", O1.toString(),
                            "evt-via-vapi", O3.toString(),
                            "evt-orphan", DEFAULT_ORG.toString(),
                            "evt-dangling", DEFAULT_ORG.toString(),
                            "evt-conflict-log-vs-call", O1.toString(),   // call_logs wins over calls
                            "evt-vapi-two-orgs", O2.toString()));        // the lowest of O2, O3
            assertThat(report(db, "V9")).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "rows_total", 8L,
                    "backfilled_via_call_logs", 2L,
                    "backfilled_via_calls", 2L,
                    "backfilled_via_vapi_call_id", 2L,
                    "orphans_to_default_org", 2L,
                    "conflicts", 2L,
                    "duplicate_event_ids", 0L,
                    "placeholder_organizations", 0L,
                    "dropped_global_unique", 2L));
            // V3 created an organization for each distinct org_id of the legacy calls and call_logs
            assertThat(report(db, "V3")).containsEntry("placeholder_organizations", 3L);
            assertThat(adminColumn(db, "select id || ' ' || name || ' ' || status from public.organizations order by id"))
                    .containsExactly(
                            DEFAULT_ORG + " Unassigned (legacy) suspended",
                            O1 + " Legacy organization " + O1 + " active",
                            O2 + " Legacy organization " + O2 + " active",
                            O3 + " Legacy organization " + O3 + " active");
            assertThat(crossTenantUniques(db)).isEmpty();

            // the key is now per organization, legacy event ids included
            SchemaTestSupport.grantApiRoles(db.server(), db.adminDataSource());
            String insert = "insert into public.processed_webhook_events (org_id, event_id) values (?, ?)";
            RequestClaims service = RequestClaims.service();
            assertThat(update(db, service, insert, O2, "evt-via-log")).isOne();
            assertThat(update(db, service, insert, O1, "evt-new")).isOne();
            assertThat(update(db, service, insert, O2, "evt-new")).isOne();
            assertThatThrownBy(() -> update(db, service, insert, O1, "evt-new"))
                    .isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "23505")
                    .hasMessageContaining("uq_processed_webhook_events_org_event");
            assertThatThrownBy(() -> update(db, service, insert, O1, "evt-via-log"))
                    .isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "23505");
        }
    }

    @Test
    void oneEventIdUsedInTwoOrganizationsSurvivesTheUpgrade() throws SQLException {
        try (TestDatabase db = legacyDatabase()) {
            // Production drift: the global key was only a partial unique index, so old rows repeat event ids.
            admin(db, "alter table public.processed_webhook_events drop constraint processed_webhook_events_event_id_key");
            admin(db, "create unique index legacy_event_id_recent on public.processed_webhook_events (event_id)"
                    + " where processed_at >= '2024-06-01'");
            UUID inO1 = event(db, "evt-shared", callLog(db, O1, null, null), null, null);
            admin(db, "update public.processed_webhook_events set processed_at = '2024-01-01' where id = ?", inO1);
            UUID inO2 = event(db, "evt-shared", null, call(db, O2, null), null);

            schema(db).migrate();

            assertThat(orgOf(db, inO1)).isEqualTo(O1.toString());
            assertThat(orgOf(db, inO2)).isEqualTo(O2.toString());
            assertThat(report(db, "V9")).containsEntry("rows_total", 2L).containsEntry("dropped_global_unique", 1L)
                    .containsEntry("conflicts", 0L);
            assertThat(crossTenantUniques(db)).isEmpty();
        }
    }

    @Test
    void aUniqueIndexOnAnExpressionOfEventIdIsDroppedToo() throws SQLException {
        try (TestDatabase db = legacyDatabase()) {
            // Case-insensitive idempotency, as a production database may have added: still a global
            // unique on event_id alone, only through an expression.
            admin(db, "create unique index legacy_event_id_lower on public.processed_webhook_events (lower(event_id))");
            event(db, "evt-1", callLog(db, O1, null, null), null, null);
            call(db, O2, null);

            schema(db).migrate();

            SchemaTestSupport.grantApiRoles(db.server(), db.adminDataSource());
            assertThatCode(() -> update(db, RequestClaims.service(), "insert into public.processed_webhook_events"
                    + " (org_id, event_id) values (?, 'evt-1')", O2))
                    .as("O2 receives the event id O1 received before the upgrade").doesNotThrowAnyException();
            assertThat(crossTenantUniques(db)).as("unique indexes without org_id left after V9").isEmpty();
        }
    }

    @Test
    void aDuplicateEventIdWithinOneOrganizationFailsTheUpgradeAtV9() throws SQLException {
        try (TestDatabase db = legacyDatabase()) {
            admin(db, "alter table public.processed_webhook_events drop constraint processed_webhook_events_event_id_key");
            UUID viaLog = event(db, "evt-dup", callLog(db, O1, null, null), null, null);
            event(db, "evt-dup", null, call(db, O1, null), null);
            event(db, "evt-unique", null, null, null);
            VoxanneSchema schema = schema(db);

            assertThatThrownBy(schema::migrate).isInstanceOf(SchemaException.class)
                    .hasMessageContaining("V9")
                    .hasMessageContaining("more than once")
                    .hasMessageContaining("evt-dup")
                    .hasMessageContaining(O1.toString());

            // V9 was rolled back whole; V1..V8 stay applied; nothing was lost
            assertThat(schema.info()).allSatisfy(s -> assertThat(s.state())
                    .as("V%s", s.version())
                    .isEqualTo(Integer.parseInt(s.version()) <= 8 ? MigrationStatus.State.APPLIED : MigrationStatus.State.PENDING));
            assertThat(adminColumn(db, "select count(*)::text from pg_attribute where attrelid ="
                    + " 'public.processed_webhook_events'::regclass and attname = 'org_id' and not attisdropped"))
                    .containsExactly("0");
            assertThat(count(db, "public.processed_webhook_events")).isEqualTo("3");
            assertThat(report(db, "V9")).isEmpty();

            // resolved by hand, as the error's hint says, the upgrade completes
            admin(db, "update public.processed_webhook_events set event_id = 'evt-dup-replayed' where id = ?", viaLog);
            assertThat(schema.migrate().currentVersion()).isEqualTo(String.valueOf(MigrationLifecycleTest.MIGRATION_COUNT));
            assertThat(report(db, "V9")).containsEntry("rows_total", 3L).containsEntry("orphans_to_default_org", 1L);
        }
    }
}
