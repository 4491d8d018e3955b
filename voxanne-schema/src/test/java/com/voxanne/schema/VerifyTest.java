package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The verification checklist passes on a migrated database and fails on one broken on purpose. */
class VerifyTest {

    private static VerifyReport verify(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load().verify();
    }

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    @Test
    void aMigratedDatabasePassesEveryItem() {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VerifyReport report = verify(db);
            assertThat(report.passed()).as(report.toString()).isTrue();
            // every item but the per-service ones, once each, in the order the ids are declared
            List<VerifyCheck> expected = Stream.of(VerifyCheck.values())
                    .filter(id -> id != VerifyCheck.SERVICE_MIGRATIONS_APPLIED && id != VerifyCheck.CONNECTION).toList();
            assertThat(report.checks()).extracting(Check::id).containsExactlyElementsOf(expected);
            assertThat(report.checks()).allMatch(c -> c.table() == null && c.item().equals(c.id().title()));
            // Every table Voxanne's migrations create is known as Voxanne's: none is taken for a service's.
            assertThat(item(report, VerifyCheck.SERVICE_TENANT_TABLES_RLS).reason())
                    .isEqualTo("no table of a service in public has org_id");
            assertThat(item(report, VerifyCheck.SERVICE_TABLES_WITHOUT_ORG_ID).reason())
                    .isEqualTo("no table of a service in public is without org_id");
            assertThat(item(report, VerifyCheck.MIGRATION_HISTORY_PRIVILEGES).reason())
                    .contains("[voxanne_schema_history]");
            // Everything but pgaudit must pass outright; pgaudit depends on the server.
            assertThat(report.withStatus(Status.WARN)).extracting(Check::id).allMatch(id -> id == VerifyCheck.PGAUDIT
                    // a database on a Citus coordinator that distribute has not placed yet
                    || id == VerifyCheck.DISTRIBUTED_TABLES && CitusSupport.onCitus());
            Status pgaudit = item(report, VerifyCheck.PGAUDIT).status();
            assertThat(pgaudit).isEqualTo(TestPostgres.shared().pgauditPreloaded() ? Status.PASS : Status.WARN);
        }
    }

    /** A server that cannot be reached gives one FAIL item, CONNECTION, with the reason, not an exception. */
    @Test
    void anUnreachableServerFailsTheConnectionItem() {
        org.postgresql.ds.PGSimpleDataSource nowhere = new org.postgresql.ds.PGSimpleDataSource();
        nowhere.setURL("jdbc:postgresql://127.0.0.1:1/none");
        nowhere.setConnectTimeout(2);
        VerifyReport report = VoxanneSchema.configure().dataSource(nowhere).load().verify();
        assertThat(report.passed()).isFalse();
        Check connection = item(report, VerifyCheck.CONNECTION);
        assertThat(connection.status()).isEqualTo(Status.FAIL);
        assertThat(connection.reason()).startsWith("cannot verify: ");
        assertThat(report.check(VerifyCheck.RLS_ENABLED_AND_FORCED)).isEmpty();
    }

    @Test
    void verifyingLeavesNoTrace() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            List<String> before = adminColumn(db, "select (select count(*) from public.organizations)::text"
                    + " || '/' || (select count(*) from auth.users) || '/' || (select count(*) from public.audit_logs)"
                    + " || '/' || (select count(*) from public.contacts)");
            verify(db);
            assertThat(adminColumn(db, "select (select count(*) from public.organizations)::text"
                    + " || '/' || (select count(*) from auth.users) || '/' || (select count(*) from public.audit_logs)"
                    + " || '/' || (select count(*) from public.contacts)")).isEqualTo(before);
        }
    }

    /**
     * A database whose recorded collation version differs from what the server's library reports now
     * (as after an ICU or glibc upgrade) fails the collation item, which says what to rebuild. ICU
     * databases carry a version; a server built without ICU skips this.
     */
    @Test
    void aChangedCollationVersionAsksForAReindex() throws SQLException {
        String name = "vx_collation_" + UUID.randomUUID().toString().replace("-", "");
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertThat(item(verify(db), VerifyCheck.COLLATION_VERSION).status()).isEqualTo(Status.PASS);
            try {
                admin(db, "create database " + name + " with template template0 encoding 'UTF8'"
                        + " locale_provider icu icu_locale 'und' lc_collate 'C' lc_ctype 'C'");
            } catch (SQLException noIcu) {
                Assumptions.abort("no ICU on this server: " + noIcu.getMessage());
            }
            try {
                admin(db, "update pg_database set datcollversion = '0.1' where datname = ?", name);
                VerifyReport report = VoxanneSchema.configure().dataSource(db.server().adminDataSource(name)).load().verify();
                Check check = item(report, VerifyCheck.COLLATION_VERSION);
                assertThat(check.status()).as(report.toString()).isEqualTo(Status.FAIL);
                assertThat(check.reason()).contains("0.1").contains("REINDEX").contains("REFRESH COLLATION VERSION");
            } finally {
                admin(db, "drop database if exists " + name + " with (force)");
            }
        }
    }

    /** search_contact_ids as it must never be: no organization filter. */
    private static final String LEAKY_SEARCH = """
            create or replace function public.search_contact_ids(p_text text) returns setof uuid
              language sql stable security definer set search_path = pg_catalog, pg_temp as $$
              select c.id from public.contacts c where c.name ilike '%' || p_text || '%'
            $$""";

    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of("alter table public.contacts no force row level security",
                        VerifyCheck.RLS_ENABLED_AND_FORCED, "contacts"),
                Arguments.of("drop policy contacts_select_org on public.contacts", VerifyCheck.POLICIES, "contacts has no SELECT policy"),
                Arguments.of("create policy leaky on public.appointments for select to public using (true)",
                        VerifyCheck.POLICIES, "appointments.leaky"),
                Arguments.of("drop trigger org_id_immutable_contacts on public.contacts",
                        VerifyCheck.ORG_ID_IMMUTABILITY_TRIGGERS, "contacts"),
                Arguments.of("drop trigger set_updated_at_appointments on public.appointments", VerifyCheck.UPDATED_AT_TRIGGERS,
                        "appointments"),
                Arguments.of("drop index public.idx_notifications_org", VerifyCheck.INDEX_NAMES, "idx_notifications_org"),
                Arguments.of("drop index public.idx_contacts_org_updated", VerifyCheck.INDEX_NAMES, "idx_contacts_org_updated"),
                Arguments.of("alter type public.lead_score_type add value 'lukewarm'", VerifyCheck.ENUMS, "lukewarm"),
                Arguments.of("create index idx_sneaky on public.contacts (email)", VerifyCheck.INDEXES_LED_BY_ORG_ID, "idx_sneaky"),
                Arguments.of("alter table public.appointments drop constraint fk_appointments_contact", VerifyCheck.FOREIGN_KEYS,
                        "composite key"),
                Arguments.of("drop index public.uq_contacts_org_phone", VerifyCheck.CONTACT_PHONE_UNIQUE,
                        "uq_contacts_org_phone"),
                Arguments.of("create unique index uq_event_global on public.processed_webhook_events (event_id)",
                        VerifyCheck.WEBHOOK_EVENTS_UNIQUE, "uq_event_global"),
                Arguments.of("grant select on public.contacts to anon", VerifyCheck.ANON_TABLE_PRIVILEGES, "contacts"),
                Arguments.of("delete from public.voxanne_schema_history where version = '18'", VerifyCheck.MIGRATIONS_APPLIED,
                        "V18 pending"),
                Arguments.of("revoke delete on public.contacts from service_role", VerifyCheck.SERVICE_ROLE_PRIVILEGES,
                        "contacts"),
                Arguments.of("grant execute on function public.expire_old_notifications() to public",
                        VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, "expire_old_notifications"),
                Arguments.of("alter function public.create_notification reset search_path",
                        VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, "create_notification"),
                Arguments.of("alter function public.create_notification set search_path = ''",
                        VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, "create_notification"),
                Arguments.of("alter function public.set_updated_at() set search_path = ''",
                        VerifyCheck.FUNCTION_NAME_RESOLUTION, "public.set_updated_at()"),
                Arguments.of("do $$ begin execute format('grant temporary on database %I to authenticated', current_database()); end $$",
                        VerifyCheck.TEMPORARY_OBJECTS, "authenticated"),
                Arguments.of("alter default privileges grant execute on functions to public",
                        VerifyCheck.DEFAULT_FUNCTION_PRIVILEGES, "PUBLIC"),
                Arguments.of("drop trigger audit_delete_contacts on public.contacts", VerifyCheck.AUDIT_TRIGGERS, "contacts"),
                Arguments.of("grant execute on function public.search_contact_ids(text) to anon",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "anon may execute it"),
                Arguments.of("grant execute on function public.search_contact_ids(text) to public",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "PUBLIC may execute it"),
                Arguments.of("revoke execute on function public.search_contact_ids(text) from authenticated",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "authenticated may not execute it"),
                Arguments.of("alter function public.search_contact_ids(text) reset search_path",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "search_path is not fixed"),
                Arguments.of("alter function public.search_contact_ids(text) set search_path = ''",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "search_path is not fixed"),
                Arguments.of("alter function public.search_contact_ids(text) security invoker",
                        VerifyCheck.CONTACT_SEARCH_FUNCTION, "not SECURITY DEFINER"),
                Arguments.of("drop function public.search_contact_ids(text)", VerifyCheck.CONTACT_SEARCH_FUNCTION, "missing"),
                Arguments.of("drop index public.idx_contacts_search_tokens", VerifyCheck.CONTACT_SEARCH_INDEX,
                        "idx_contacts_search_tokens is missing"),
                Arguments.of("alter index public.idx_contacts_search_tokens reset (gin_pending_list_limit)",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "reads a pending list of up to the server's gin_pending_list_limit"),
                Arguments.of("alter index public.idx_contacts_search_tokens set (gin_pending_list_limit = 1024)",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "reads a pending list of up to 1024 kB"),
                Arguments.of("update pg_index set indisvalid = false"
                        + " where indexrelid = 'public.idx_contacts_search_tokens'::regclass",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "is invalid"),
                Arguments.of("revoke execute on function public.contact_search_tokens(uuid, text, text, text) from authenticated",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "authenticated and service_role must be allowed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) reset search_path",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "search_path is not fixed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) set search_path = ''",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "search_path is not fixed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) stable",
                        VerifyCheck.CONTACT_SEARCH_INDEX, "not IMMUTABLE"),
                // the same function without its organization filter: every organization's contacts
                Arguments.of(LEAKY_SEARCH, VerifyCheck.SEARCH_ISOLATION_PROBE, "probe B"),
                Arguments.of("alter table public.contacts disable trigger org_id_immutable_contacts",
                        VerifyCheck.ORG_ID_IMMUTABLE_PROBE, "accepted"),
                Arguments.of("create policy contacts_peek on public.contacts for select to authenticated using (true)",
                        VerifyCheck.ORG_ISOLATION_PROBE, "org B"),
                Arguments.of("create policy notifications_peek on public.notifications for select to authenticated"
                        + " using (org_id = (select public.auth_org_id()))",
                        VerifyCheck.USER_NOTIFICATIONS_PROBE, "colleague"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void oneThingBrokenOnPurposeFailsItsItem(String breakage, VerifyCheck item, String reasonMentions) throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, breakage);
            VerifyReport report = verify(db);
            Check check = item(report, item);
            assertThat(check.status()).as(report.toString()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains(reasonMentions);
            assertThat(report.passed()).isFalse();
        }
    }
}
