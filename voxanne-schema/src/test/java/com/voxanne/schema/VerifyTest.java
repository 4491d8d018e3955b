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

    private static Check item(VerifyReport report, String name) {
        return report.checks().stream().filter(c -> c.item().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in\n" + report));
    }

    @Test
    void aMigratedDatabasePassesEveryItem() {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VerifyReport report = verify(db);
            assertThat(report.passed()).as(report.toString()).isTrue();
            assertThat(report.checks()).extracting(Check::item).contains(
                    "Migrations applied", "anon has no table privileges", "Legacy webhook backfill",
                    "Tables and columns", "Enums", "Index names", "RLS enabled and forced", "Policies",
                    "org_id immutability triggers", "updated_at triggers", "Indexes led by org_id", "Foreign keys",
                    "Unique constraints (contacts.phone)", "Webhook events unique per (org_id, event_id)",
                    "Service role can access all tables", "Function grants and search_path", "Audit triggers",
                    "Audit logging enabled (pgaudit)", "Authenticated users see only their org's data (probe)",
                    "Notifications are user-specific (probe)", "Audit functions work (probe)", "org_id immutable (probe)",
                    "Contact search function", "Contact search stays in the caller's organization (probe)",
                    "Contact search index", "Collation version (text indexes)", "Function name resolution",
                    "Temporary objects", "Default privileges on new functions", "API role time limits",
                    "Migration history tables: API roles have no privileges",
                    "Service tenant tables: RLS enabled and forced", "Service tenant tables: policies",
                    "Service tables: anon has no privileges", "Service tables without org_id");
            // Every table Voxanne's migrations create is known as Voxanne's: none is taken for a service's.
            assertThat(item(report, "Service tenant tables: RLS enabled and forced").reason())
                    .isEqualTo("no table of a service in public has org_id");
            assertThat(item(report, "Service tables without org_id").reason())
                    .isEqualTo("no table of a service in public is without org_id");
            assertThat(item(report, "Migration history tables: API roles have no privileges").reason())
                    .contains("[voxanne_schema_history]");
            // Everything but pgaudit must pass outright; pgaudit depends on the server.
            assertThat(report.withStatus(Status.WARN)).extracting(Check::item)
                    .allMatch(item -> item.equals("Audit logging enabled (pgaudit)"));
            Status pgaudit = item(report, "Audit logging enabled (pgaudit)").status();
            assertThat(pgaudit).isEqualTo(TestPostgres.shared().pgauditPreloaded() ? Status.PASS : Status.WARN);
        }
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
            assertThat(item(verify(db), "Collation version (text indexes)").status()).isEqualTo(Status.PASS);
            try {
                admin(db, "create database " + name + " with template template0 encoding 'UTF8'"
                        + " locale_provider icu icu_locale 'und' lc_collate 'C' lc_ctype 'C'");
            } catch (SQLException noIcu) {
                Assumptions.abort("no ICU on this server: " + noIcu.getMessage());
            }
            try {
                admin(db, "update pg_database set datcollversion = '0.1' where datname = ?", name);
                VerifyReport report = VoxanneSchema.configure().dataSource(db.server().adminDataSource(name)).load().verify();
                Check check = item(report, "Collation version (text indexes)");
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
                        "RLS enabled and forced", "contacts"),
                Arguments.of("drop policy contacts_select_org on public.contacts", "Policies", "contacts has no SELECT policy"),
                Arguments.of("create policy leaky on public.appointments for select to public using (true)",
                        "Policies", "appointments.leaky"),
                Arguments.of("drop trigger org_id_immutable_contacts on public.contacts",
                        "org_id immutability triggers", "contacts"),
                Arguments.of("drop trigger set_updated_at_appointments on public.appointments", "updated_at triggers",
                        "appointments"),
                Arguments.of("drop index public.idx_notifications_org", "Index names", "idx_notifications_org"),
                Arguments.of("drop index public.idx_contacts_org_updated", "Index names", "idx_contacts_org_updated"),
                Arguments.of("alter type public.lead_score_type add value 'lukewarm'", "Enums", "lukewarm"),
                Arguments.of("create index idx_sneaky on public.contacts (email)", "Indexes led by org_id", "idx_sneaky"),
                Arguments.of("alter table public.appointments drop constraint fk_appointments_contact", "Foreign keys",
                        "composite key"),
                Arguments.of("drop index public.uq_contacts_org_phone", "Unique constraints (contacts.phone)",
                        "uq_contacts_org_phone"),
                Arguments.of("create unique index uq_event_global on public.processed_webhook_events (event_id)",
                        "Webhook events unique per (org_id, event_id)", "uq_event_global"),
                Arguments.of("grant select on public.contacts to anon", "anon has no table privileges", "contacts"),
                Arguments.of("delete from public.voxanne_schema_history where version = '16'", "Migrations applied",
                        "V16 pending"),
                Arguments.of("revoke delete on public.contacts from service_role", "Service role can access all tables",
                        "contacts"),
                Arguments.of("grant execute on function public.expire_old_notifications() to public",
                        "Function grants and search_path", "expire_old_notifications"),
                Arguments.of("alter function public.create_notification reset search_path",
                        "Function grants and search_path", "create_notification"),
                Arguments.of("alter function public.create_notification set search_path = ''",
                        "Function grants and search_path", "create_notification"),
                Arguments.of("alter function public.set_updated_at() set search_path = ''",
                        "Function name resolution", "public.set_updated_at()"),
                Arguments.of("do $$ begin execute format('grant temporary on database %I to authenticated', current_database()); end $$",
                        "Temporary objects", "authenticated"),
                Arguments.of("alter default privileges grant execute on functions to public",
                        "Default privileges on new functions", "PUBLIC"),
                Arguments.of("drop trigger audit_row_change_contacts on public.contacts", "Audit triggers", "contacts"),
                Arguments.of("grant execute on function public.search_contact_ids(text) to anon",
                        "Contact search function", "anon may execute it"),
                Arguments.of("grant execute on function public.search_contact_ids(text) to public",
                        "Contact search function", "PUBLIC may execute it"),
                Arguments.of("revoke execute on function public.search_contact_ids(text) from authenticated",
                        "Contact search function", "authenticated may not execute it"),
                Arguments.of("alter function public.search_contact_ids(text) reset search_path",
                        "Contact search function", "search_path is not fixed"),
                Arguments.of("alter function public.search_contact_ids(text) set search_path = ''",
                        "Contact search function", "search_path is not fixed"),
                Arguments.of("alter function public.search_contact_ids(text) security invoker",
                        "Contact search function", "not SECURITY DEFINER"),
                Arguments.of("drop function public.search_contact_ids(text)", "Contact search function", "missing"),
                Arguments.of("drop index public.idx_contacts_search_tokens", "Contact search index",
                        "idx_contacts_search_tokens is missing"),
                Arguments.of("update pg_index set indisvalid = false"
                        + " where indexrelid = 'public.idx_contacts_search_tokens'::regclass",
                        "Contact search index", "is invalid"),
                Arguments.of("revoke execute on function public.contact_search_tokens(uuid, text, text, text) from authenticated",
                        "Contact search index", "authenticated and service_role must be allowed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) reset search_path",
                        "Contact search index", "search_path is not fixed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) set search_path = ''",
                        "Contact search index", "search_path is not fixed"),
                Arguments.of("alter function public.contact_search_tokens(uuid, text, text, text) stable",
                        "Contact search index", "not IMMUTABLE"),
                // the same function without its organization filter: every organization's contacts
                Arguments.of(LEAKY_SEARCH, "Contact search stays in the caller's organization (probe)", "probe B"),
                Arguments.of("alter table public.contacts disable trigger org_id_immutable_contacts",
                        "org_id immutable (probe)", "accepted"),
                Arguments.of("create policy contacts_peek on public.contacts for select to authenticated using (true)",
                        "Authenticated users see only their org's data (probe)", "org B"),
                Arguments.of("create policy notifications_peek on public.notifications for select to authenticated"
                        + " using (org_id = (select public.auth_org_id()))",
                        "Notifications are user-specific (probe)", "colleague"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void oneThingBrokenOnPurposeFailsItsItem(String breakage, String item, String reasonMentions) throws SQLException {
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
