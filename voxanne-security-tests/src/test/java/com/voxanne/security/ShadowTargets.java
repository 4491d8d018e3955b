package com.voxanne.security;

import static com.voxanne.security.FunctionAttackSupport.column;
import static com.voxanne.security.FunctionAttackSupport.rebind;
import static com.voxanne.security.FunctionAttackSupport.text;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.security.FunctionAttackSupport.Clinic;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The calls an attacker's session can make that run our functions: every SECURITY DEFINER function as the
 * role allowed to call it, every write that fires a trigger function, and the reads that evaluate the
 * policy helpers. Each {@link Target} returns a text that says what the call did (ids, the audit row it
 * left, a count) and the text that call must return. To extend the suite, add an entry to {@link #all()}.
 *
 * <p>The calls name every type and relation with its schema: the harness runs them in the attacker's
 * session, after the attack objects exist.
 */
final class ShadowTargets {

    private ShadowTargets() {
    }

    /** Produces the observed result of one call. */
    @FunctionalInterface
    interface Call {
        String run(Connection c, Clinic clinic) throws SQLException;
    }

    /** Produces the result a call must have, from the fixture (for results that depend on stored rows, as admin). */
    @FunctionalInterface
    interface Expected {
        String of(Clinic clinic);
    }

    /** A call, the identity it runs as, and what it must return. */
    record Target(String name, Function<Clinic, RequestClaims> actor, Call call, Expected expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Creates a table of a service's own, {@code public.service_notes}, that records its writes with the row
     * trigger {@code audit_row_change()} (the function an application's tables may use; Voxanne's own tables
     * use {@code audit_statement_change}), so that the attacks reach that function too.
     */
    static void createServiceTable(Connection admin) throws SQLException {
        try (var s = admin.createStatement()) {
            s.execute("create table public.service_notes (id uuid primary key default gen_random_uuid(),"
                    + " org_id uuid not null references public.organizations (id), note text not null)");
            s.execute("alter table public.service_notes enable row level security");
            s.execute("alter table public.service_notes force row level security");
            s.execute("revoke all on table public.service_notes from public, anon");
            s.execute("grant select, insert on table public.service_notes to authenticated");
            s.execute("create policy service_notes_select_org on public.service_notes for select to authenticated"
                    + " using (org_id = (select public.auth_org_id()))");
            s.execute("create policy service_notes_insert_org on public.service_notes for insert to authenticated"
                    + " with check (org_id = (select public.auth_org_id()))");
            s.execute("create trigger audit_row_change_service_notes after insert or update or delete on public.service_notes"
                    + " for each row execute function public.audit_row_change()");
        }
    }

    /** The last audit row, read as service_role (the only API role allowed to), as "op|table|org|user|claims org|role". */
    static String lastAudit(Connection c) throws SQLException {
        rebind(c, RequestClaims.service());
        return text(c, "select pg_catalog.concat_ws('|', a.operation, a.table_name, a.org_id, a.authenticated_user,"
                + " a.claims_org_id, a.database_user) from public.audit_logs a order by a.id desc limit 1");
    }

    static String audit(String op, String table, UUID org, UUID user, UUID claimsOrg, String role) {
        StringBuilder b = new StringBuilder(op).append('|').append(table);
        for (Object part : new Object[] {org, user, claimsOrg}) {
            if (part != null) {
                b.append('|').append(part);
            }
        }
        return b.append('|').append(role).toString();
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** The targets. */
    static List<Target> all() {
        return List.of(
                new Target("search_contact_ids by name (authenticated)", Clinic::userA1,
                        (c, k) -> text(c, "select pg_catalog.string_agg(s.id::pg_catalog.text, ',')"
                                + " from public.search_contact_ids('Ann Ex') s (id)"),
                        k -> k.contact.toString()),
                new Target("search_contact_ids by phone (authenticated)", Clinic::userA1,
                        (c, k) -> text(c, "select pg_catalog.string_agg(s.id::pg_catalog.text, ',')"
                                + " from public.search_contact_ids('(555) 0100-001') s (id)"),
                        k -> k.contact.toString()),
                new Target("search_contact_ids, short text (authenticated)", Clinic::userA1,
                        (c, k) -> text(c, "select pg_catalog.string_agg(s.id::pg_catalog.text, ',')"
                                + " from public.search_contact_ids('An') s (id)"),
                        k -> k.contact.toString()),
                new Target("create_notification (service_role)", Clinic::service,
                        (c, k) -> {
                            String id = text(c, "select public.create_notification(?, ?, 'hot_lead', 'Hot lead', 'Call')"
                                    + "::pg_catalog.text", k.orgA, k.a1);
                            return text(c, "select pg_catalog.concat_ws('|', n.org_id, n.user_id, n.type, n.title)"
                                    + " from public.notifications n where n.id = ?", UUID.fromString(id))
                                    + " " + lastAudit(c);
                        },
                        k -> k.orgA + "|" + k.a1 + "|hot_lead|Hot lead "
                                + audit("INSERT", "notifications", k.orgA, null, null, "service_role")),
                new Target("create_notification (authenticated)", Clinic::userA1,
                        (c, k) -> {
                            String id = text(c, "select public.create_notification(?, ?, 'missed_call', 'Missed', 'Call')"
                                    + "::pg_catalog.text", k.orgA, k.a2);
                            String audit = lastAudit(c);
                            return text(c, "select pg_catalog.concat_ws('|', n.org_id, n.user_id, n.type)"
                                    + " from public.notifications n where n.id = ?", UUID.fromString(id)) + " " + audit;
                        },
                        k -> k.orgA + "|" + k.a2 + "|missed_call "
                                + audit("INSERT", "notifications", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("create_notification with a chosen id, repeated (authenticated)", Clinic::userA1,
                        (c, k) -> {
                            UUID chosen = UUID.randomUUID();
                            String create = "select public.create_notification(?, ?, 'missed_call', ?, 'Call', p_id => ?)"
                                    + "::pg_catalog.text";
                            String first = text(c, create, k.orgA, k.a1, "Missed", chosen);
                            String again = text(c, create, k.orgA, k.a1, "Again", chosen);
                            return first.equals(chosen.toString()) + " " + again.equals(first) + " "
                                    + text(c, "select pg_catalog.concat_ws('|', pg_catalog.count(*), pg_catalog.max(n.title))"
                                    + " from public.notifications n where n.id = ?", chosen);
                        },
                        k -> "true true 1|Missed"),
                new Target("create_notification with another user's chosen id refused (service_role)", Clinic::service,
                        (c, k) -> {
                            UUID chosen = UUID.randomUUID();
                            String create = "select public.create_notification(?, ?, 'missed_call', 'Missed', 'Call', p_id => ?)"
                                    + "::pg_catalog.text";
                            text(c, create, k.orgA, k.a1, chosen);
                            return text(c, create, k.orgA, k.a2, chosen);
                        },
                        k -> "ERROR 23505"),
                new Target("log_audit_event (service_role)", Clinic::service,
                        (c, k) -> {
                            String id = text(c, "select public.log_audit_event(?, 'access_denied', 'select',"
                                    + " 'public.contacts', '{\"k\": 1}', 'stmt')::pg_catalog.text", k.orgA);
                            return text(c, "select pg_catalog.concat_ws('|', a.event_type, a.operation, a.schema_name,"
                                    + " a.table_name, a.org_id, a.authenticated_user, a.row_data, a.statement_text)"
                                    + " from public.audit_logs a where a.id = ?", Long.parseLong(id));
                        },
                        k -> "ACCESS_DENIED|SELECT|public|contacts|" + k.orgA + "|{\"k\": 1}|stmt"),
                new Target("get_org_audit_logs (service_role)", Clinic::service,
                        (c, k) -> text(c, "select pg_catalog.concat_ws('|', pg_catalog.count(*),"
                                + " pg_catalog.count(*) filter (where g.org_id operator(pg_catalog.=) ?))"
                                + " from public.get_org_audit_logs(?, null, null, 1000) g", k.orgA, k.orgA),
                        k -> k.auditRowsOfA + "|" + k.auditRowsOfA),
                new Target("get_org_audit_logs, bounded (service_role)", Clinic::service,
                        (c, k) -> text(c, "select pg_catalog.count(*)::pg_catalog.text from public.get_org_audit_logs(?,"
                                + " pg_catalog.now() operator(pg_catalog.-) '1 day'::pg_catalog.interval, pg_catalog.now(), 1000)", k.orgA),
                        k -> String.valueOf(k.auditRowsOfA - 1)),
                new Target("detect_suspicious_activity (service_role)", Clinic::service,
                        (c, k) -> text(c, "select pg_catalog.string_agg(pg_catalog.concat_ws(':', d.activity, d.event_count),"
                                + " ',' order by d.activity) from public.detect_suspicious_activity(?, '1 day', 1) d"
                                + " where d.activity <> 'multi_org_user'", k.orgA),
                        k -> "high_volume:" + (k.auditRowsOfA - 1)),
                new Target("expire_old_notifications (service_role)", Clinic::service,
                        (c, k) -> text(c, "select public.expire_old_notifications()::pg_catalog.text") + " " + lastAudit(c),
                        k -> "1 " + audit("UPDATE", "notifications", k.orgA, null, null, "service_role")),
                new Target("expire_old_notifications refused (authenticated)", Clinic::userA1,
                        (c, k) -> text(c, "select public.expire_old_notifications()::pg_catalog.text"),
                        k -> "ERROR 42501"),
                new Target("archive_old_audit_logs, audit_logs_append_only (service_role)", Clinic::service,
                        (c, k) -> text(c, "select public.archive_old_audit_logs(1, (select pg_catalog.max(a.id)"
                                + " from public.audit_logs a))::pg_catalog.text") + " "
                                + text(c, "select pg_catalog.concat_ws('|', a.event_type, a.operation,"
                                + " a.row_data operator(pg_catalog.->>) 'deleted') from public.audit_logs a"
                                + " order by a.id desc limit 1"),
                        k -> "1 MAINTENANCE|ARCHIVE|1"),
                new Target("insert contact: audit_statement_change, contact_search_tokens (authenticated)", Clinic::userA1,
                        (c, k) -> {
                            update(c, "insert into public.contacts (org_id, name, phone) values (?, 'Bob Example', '+15550100002')", k.orgA);
                            String found = text(c, "select pg_catalog.count(*)::pg_catalog.text from public.search_contact_ids('Bob Ex')");
                            return found + " " + lastAudit(c);
                        },
                        k -> "1 " + audit("INSERT", "contacts", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("update contact: set_updated_at, prevent_org_id_change, audit_statement_change (authenticated)", Clinic::userA1,
                        (c, k) -> update(c, "update public.contacts set name = 'Ann Other' where id = ?", k.contact) + " " + lastAudit(c),
                        k -> "1 " + audit("UPDATE", "contacts", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("move contact refused: prevent_org_id_change (service_role)", Clinic::service,
                        (c, k) -> String.valueOf(update(c, "update public.contacts set org_id = ? where id = ?", k.orgB, k.contact)),
                        k -> "ERROR VX002"),
                new Target("delete contact: audit_statement_change (authenticated)", Clinic::userA1,
                        (c, k) -> update(c, "delete from public.contacts where id = ?", k.contact) + " " + lastAudit(c),
                        k -> "1 " + audit("DELETE", "contacts", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("read notification: notifications_update_own, notifications_notify, set_updated_at, audit_statement_change (authenticated)", Clinic::userA1,
                        (c, k) -> update(c, "update public.notifications set status = 'read', read_at = pg_catalog.now()"
                                + " where id = ?", k.notificationA1) + " " + lastAudit(c),
                        k -> "1 " + audit("UPDATE", "notifications", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("insert notification: notifications_check_user_org, notifications_notify, audit_statement_change (service_role)", Clinic::service,
                        (c, k) -> update(c, "insert into public.notifications (org_id, user_id, type, title, message)"
                                + " values (?, ?, 'voicemail', 'Voicemail', 'Listen')", k.orgA, k.a2) + " " + lastAudit(c),
                        k -> "1 " + audit("INSERT", "notifications", k.orgA, null, null, "service_role")),
                new Target("notification for another organization's user refused (service_role)", Clinic::service,
                        (c, k) -> String.valueOf(update(c, "insert into public.notifications (org_id, user_id, type, title, message)"
                                + " values (?, ?, 'voicemail', 'Voicemail', 'Listen')", k.orgA, k.b1)),
                        k -> "ERROR 42501"),
                new Target("create_notification with a related contact: notifications_check_user_org (service_role)", Clinic::service,
                        (c, k) -> {
                            String id = text(c, "select public.create_notification(?, ?, 'hot_lead', 'Hot lead', 'Call', ?, 'contact')"
                                    + "::pg_catalog.text", k.orgA, k.a1, k.contact);
                            return text(c, "select pg_catalog.concat_ws('|', n.related_entity_type, n.related_entity_id)"
                                    + " from public.notifications n where n.id = ?", UUID.fromString(id));
                        },
                        k -> "contact|" + k.contact),
                new Target("create_notification with another organization's contact refused: notifications_check_user_org (service_role)",
                        Clinic::service,
                        (c, k) -> text(c, "select public.create_notification(?, ?, 'hot_lead', 'Hot lead', 'Call', ?, 'contact')"
                                + "::pg_catalog.text", k.orgA, k.a1, k.contactB),
                        k -> "ERROR 23503"),
                new Target("write as authenticated without a user refused: audit_statement_change (authenticated, no sub)", Clinic::userA1,
                        (c, k) -> {
                            text(c, "select pg_catalog.set_config('request.jwt.claims', ?, true)",
                                    "{\"role\": \"authenticated\", \"app_metadata\": {\"org_id\": \"" + k.orgA + "\"}}");
                            return String.valueOf(update(c, "update public.contacts set name = 'Nobody' where id = ?", k.contact));
                        },
                        k -> "ERROR 42501"),
                new Target("insert into a service's own table: audit_row_change (authenticated)", Clinic::userA1,
                        (c, k) -> update(c, "insert into public.service_notes (org_id, note) values (?, 'Called back')", k.orgA)
                                + " " + lastAudit(c),
                        k -> "1 " + audit("INSERT", "service_notes", k.orgA, k.a1, k.orgA, "authenticated")),
                new Target("update organization: set_updated_at, audit_statement_change of organizations (service_role)", Clinic::service,
                        (c, k) -> update(c, "update public.organizations set name = 'Clinic A2' where id = ?", k.orgA)
                                + " " + lastAudit(c),
                        k -> "1 " + audit("UPDATE", "organizations", k.orgA, null, null, "service_role")),
                new Target("insert appointment: appointment_time_range, audit_statement_change (authenticated)", Clinic::userA1,
                        (c, k) -> {
                            update(c, "insert into public.appointments (org_id, contact_id, service_type, scheduled_at)"
                                    + " values (?, ?, 'botox', '2031-01-01 10:00+00')", k.orgA, k.contact);
                            String audit = lastAudit(c);
                            rebind(c, k.userA1());
                            String overlap;
                            try (var s = c.createStatement()) {
                                s.execute("savepoint overlap");
                                try {
                                    update(c, "insert into public.appointments (org_id, contact_id, service_type, scheduled_at)"
                                            + " values (?, ?, 'filler', '2031-01-01 10:15+00')", k.orgA, k.contact);
                                    overlap = "overlap accepted";
                                } catch (SQLException e) {
                                    s.execute("rollback to savepoint overlap");
                                    overlap = "overlap " + e.getSQLState();
                                }
                            }
                            return audit + " " + overlap;
                        },
                        k -> audit("INSERT", "appointments", k.orgA, k.a1, k.orgA, "authenticated") + " overlap 23P01"),
                new Target("policies: what a1 reads, auth_user_id, auth_org_id (authenticated)", Clinic::userA1,
                        (c, k) -> text(c, "select pg_catalog.concat_ws('|', (select pg_catalog.count(*) from public.notifications),"
                                + " (select pg_catalog.count(*) from public.contacts),"
                                + " (select pg_catalog.count(*) from public.organizations))"),
                        k -> "2|1|1"),
                new Target("policies: what a2 reads (authenticated)", Clinic::userA2,
                        (c, k) -> String.join(",", column(c, "select n.id::pg_catalog.text from public.notifications n")),
                        k -> k.notificationA2.toString()));
    }
}
