package com.voxanne.dao.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The workload benchmark's data set, generated as the admin role with {@code generate_series}: every
 * table of a clinic's year, ids and contents derived from a seed (ids are md5 of the seed and the row's
 * numbers, {@code random()} is seeded), so the same options give the same rows. Triggers (audit, notify,
 * checks, foreign keys) are skipped with {@code session_replication_role = replica} and secondary indexes
 * are built after the load: the rows are consistent by construction. Tenants' rows are interleaved on
 * the heap, as inserts of many clinics would be.
 *
 * <p>Also what the writes of the benchmark consume (rows to delete, appointments to confirm, unread
 * notifications), made in bulk before a measurement, and the switch that lets a connection skip the
 * audit trigger alone: every other trigger of the measured tables (the internal foreign-key triggers
 * included) is set to {@code ENABLE ALWAYS}, so that {@code session_replication_role = replica} on a
 * connection skips only the audit triggers ({@code audit_insert_*}, {@code audit_update_*},
 * {@code audit_delete_*}).
 */
final class WorkloadData {

    /** Volumes per organization; {@code orgs} organizations. */
    record Shape(int orgs, int contactsPerOrg, int appointmentsPerOrg, int usersPerOrg, int notificationsPerUser,
                 int auditPerOrg, long seed) {

        long contacts() {
            return (long) orgs * contactsPerOrg;
        }
    }

    /**
     * A generated organization with one of each of its rows, for reads by id: {@code n} from 1,
     * {@code group} the writing variant that owns it (its writes go only to its own organizations).
     */
    record Tenant(int n, int group, UUID org, UUID user, UUID contact, String phone, UUID appointment,
                  UUID notification) {
    }

    /** The event id every organization has already processed: a second delivery of it is a duplicate. */
    static final String DUPLICATE_EVENT = "bench-duplicate";

    /** First slot (minutes after now) of bookings made by the benchmark: after every generated appointment. */
    private static final long SLOT_ORIGIN_MINUTES = 400L * 24 * 60;
    /** A booked slot's length and the distance between slots (so that no two overlap). */
    static final int SLOT_MINUTES = 30;
    private static final int SLOT_STEP_MINUTES = 31;

    private final Shape shape;
    private final int groups;
    private final List<Tenant> tenants = new ArrayList<>();
    private final Map<UUID, Tenant> byOrg = new HashMap<>();
    private final List<List<Tenant>> byGroup = new ArrayList<>();
    private final AtomicLong slots = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final java.time.OffsetDateTime slotOrigin =
            java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                    .plusMinutes(SLOT_ORIGIN_MINUTES);

    private WorkloadData(Shape shape, int groups) {
        this.shape = shape;
        this.groups = groups;
    }

    Shape shape() {
        return shape;
    }

    List<Tenant> tenants() {
        return tenants;
    }

    /** The organizations whose rows variant {@code group} writes. */
    List<Tenant> group(int group) {
        return byGroup.get(group);
    }

    Tenant tenant(UUID org) {
        return byOrg.get(org);
    }

    /** A start of a booking no other booking of the benchmark overlaps. */
    java.time.OffsetDateTime nextSlot() {
        return slotOrigin.plusMinutes(slots.getAndIncrement() * SLOT_STEP_MINUTES);
    }

    /** A number never returned before in this run (for phones, event ids, e-mails). */
    long next() {
        return sequence.incrementAndGet();
    }

    /**
     * A valid US number never returned before in this run; {@code area} keeps the numbers of different
     * callers apart. Generated contacts use area codes 200-210, which no caller passes.
     */
    String nextPhone(int area) {
        long n = next();
        if (n >= 8_000_000) {
            throw new IllegalStateException("out of benchmark phone numbers");
        }
        return "+1" + area + (2_000_000 + n);
    }

    // ------------------------------------------------------------------------------------------------
    // generation

    /**
     * Fills the database as the admin role and returns the data set; {@code groups} writing variants get
     * an equal share of the organizations each. Prints how long each table took.
     */
    static WorkloadData generate(DataSource admin, Shape s, int groups, String loginRole) throws SQLException {
        WorkloadData data = new WorkloadData(s, groups);
        long started = System.nanoTime();
        Timer timer = new Timer();
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("set session_replication_role = replica");
            st.execute("set maintenance_work_mem = '1GB'");
            st.execute("select setseed(" + ((s.seed() % 1000) / 1000.0) + ")");
            st.execute("create schema bench");
            // ids from the seed: the same options give the same rows
            st.execute("create function bench.uid(kind text, a bigint, b bigint default 0) returns uuid language sql immutable"
                    + " return md5('" + s.seed() + "' || kind || a || ':' || b)::uuid");
            List<String> indexes = dropSecondaryIndexes(st, List.of("contacts", "appointments", "notifications", "audit_logs"));
            int orgs = s.orgs();
            st.execute("insert into public.organizations (id, name) select bench.uid('o', n), 'Bench clinic ' || n"
                    + " from generate_series(1, " + orgs + ") n");
            st.execute("insert into auth.users (id, email, aud, role, raw_app_meta_data)"
                    + " select bench.uid('u', o, u), 'staff' || u || '.' || o || '@bench.example', 'authenticated', 'authenticated',"
                    + " jsonb_build_object('org_id', bench.uid('o', o))"
                    + " from generate_series(1, " + orgs + ") o, generate_series(1, " + s.usersPerOrg() + ") u");
            timer.lap("organizations and users");
            // i runs over all rows; o = the organization, g = the row's number in it: consecutive rows
            // belong to different organizations (interleaved on the heap)
            st.execute("insert into public.contacts (id, org_id, name, phone, email, service_interests, lead_score, lead_status,"
                    + " last_contact_at, notes, created_at, updated_at)"
                    + " select bench.uid('c', o, g), bench.uid('o', o),"
                    + "   (array['Ann','Joanna','Hannah','Bob','Carlos','Dana','Eve','Frank','Grace','Henry','Ivy','Jack'])[1 + g % 12]"
                    + "     || ' ' || (array['Smith','Johnson','Brown','Garcia','Miller','Davis','Lopez','Wilson','Moore','Thomas','Clark'])[1 + (g * 7) % 11],"
                    + "   '+1' || (2000000000::bigint + o * 100000 + g)::text,"
                    + "   'c' || g || '.o' || o || '@bench.example',"
                    + "   (array['[\"botox\"]','[\"filler\"]','[\"botox\",\"filler\"]','[]'])[1 + g % 4]::jsonb,"
                    + "   (array['hot','warm','cold'])[1 + g % 3]::public.lead_score_type,"
                    + "   (array['new','contacted','qualified','booked','converted','lost'])[1 + (g * 5) % 6]::public.lead_status_type,"
                    + "   case when g % 3 = 0 then null else updated end, null, updated - (g % 90) * interval '1 day', updated"
                    + " from (select i, (i - 1) % " + orgs + " + 1 as o, (i - 1) / " + orgs + " + 1 as g,"
                    + "         now() - random() * interval '365 days' as updated"
                    + "       from generate_series(1, " + s.contacts() + ") i) x");
            timer.lap("contacts");
            // 3 hours apart per organization (30 minutes long: no double booking), half past, half ahead;
            // each contact in turn
            long appointments = (long) orgs * s.appointmentsPerOrg();
            int half = s.appointmentsPerOrg() / 2;
            st.execute("insert into public.appointments (id, org_id, contact_id, service_type, scheduled_at, duration_minutes,"
                    + " status, deleted_at)"
                    + " select bench.uid('a', o, r), bench.uid('o', o), bench.uid('c', o, (r - 1) % " + s.contactsPerOrg() + " + 1),"
                    + "  (array['consultation','botox','filler','other'])[1 + r % 4],"
                    + "  date_trunc('hour', now()) + (r - " + half + ") * interval '3 hours', 30,"
                    + "  (case when r <= " + half + " then (array['completed','completed','no_show','cancelled'])[1 + r % 4]"
                    + "   else (array['pending','confirmed','confirmed','cancelled'])[1 + r % 4] end)::public.appointment_status,"
                    + "  case when r % 20 = 0 then now() end"
                    + " from (select (i - 1) % " + orgs + " + 1 as o, (i - 1) / " + orgs + " + 1 as r"
                    + "       from generate_series(1, " + appointments + ") i) x");
            timer.lap("appointments");
            int perUser = s.notificationsPerUser();
            long notifications = (long) orgs * s.usersPerOrg() * perUser;
            st.execute("insert into public.notifications (id, org_id, user_id, type, title, message, related_entity_type, status,"
                    + " read_at, priority, created_at, updated_at)"
                    + " select bench.uid('n', o, (u - 1) * " + perUser + " + g), bench.uid('o', o), bench.uid('u', o, u),"
                    + "  (array['hot_lead','appointment_booked','appointment_reminder','missed_call','system_alert','voicemail'])[1 + g % 6]::public.notification_type,"
                    + "  'Notification ' || g, 'Generated for the benchmark', 'system',"
                    + "  (case when g % 10 < 3 then 'unread' when g % 10 < 9 then 'read' else 'archived' end)::public.notification_status,"
                    + "  case when g % 10 >= 3 then now() end, 'normal', now() - g * interval '13 minutes', now() - g * interval '13 minutes'"
                    + " from (select (i - 1) % " + orgs + " + 1 as o, ((i - 1) / " + orgs + ") % " + s.usersPerOrg() + " + 1 as u,"
                    + "         (i - 1) / (" + orgs + " * " + s.usersPerOrg() + ") + 1 as g"
                    + "       from generate_series(1, " + notifications + ") i) x");
            timer.lap("notifications");
            // a year of row changes by the clinics' users, oldest first (the BRIN index on event_time
            // relies on that order)
            long audit = (long) orgs * s.auditPerOrg();
            st.execute("insert into public.audit_logs (event_type, operation, schema_name, table_name, database_user,"
                    + " session_user_name, authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data,"
                    + " event_time, client_addr)"
                    + " select 'WRITE', op, 'public', tbl, 'authenticated', '" + loginRole + "', bench.uid('u', o, 1 + i % "
                    + s.usersPerOrg() + "), bench.uid('o', o), bench.uid('o', o),"
                    + "  left(op || ' ' || tbl || ' (generated)', 2048),"
                    + "  jsonb_build_object('id', bench.uid('x', o, i), 'org_id', bench.uid('o', o), 'name', 'Ann Smith',"
                    + "    'lead_status', 'contacted', 'updated_at', t),"
                    + "  case when op = 'UPDATE' then jsonb_build_object('id', bench.uid('x', o, i), 'org_id', bench.uid('o', o),"
                    + "    'name', 'Ann Smith', 'lead_status', 'new', 'updated_at', t - interval '1 day') end,"
                    + "  t, null"
                    + " from (select i, (i - 1) % " + orgs + " + 1 as o,"
                    + "         case when i % 20 = 0 then 'DELETE' when i % 20 < 8 then 'UPDATE' else 'INSERT' end as op,"
                    + "         (array['contacts','appointments','notifications'])[1 + i % 3] as tbl,"
                    + "         now() - (" + audit + " - i) * (interval '365 days' / " + Math.max(1, audit) + ") as t"
                    + "       from generate_series(1, " + audit + ") i) x");
            timer.lap("audit_logs");
            st.execute("insert into public.processed_webhook_events (org_id, event_id, event_type)"
                    + " select bench.uid('o', n), '" + DUPLICATE_EVENT + "', 'call.ended' from generate_series(1, " + orgs + ") n");
            st.execute("create table bench.tenant as select n, (n - 1) % " + groups + " as grp, bench.uid('o', n) as org_id,"
                    + " bench.uid('u', n, 1) as user_id, bench.uid('c', n, 1) as contact_id,"
                    + " '+1' || (2000000000::bigint + n * 100000 + 1)::text as phone, bench.uid('a', n, 1) as appointment_id,"
                    + " bench.uid('n', n, 1) as notification_id from generate_series(1, " + orgs + ") n");
            System.out.printf("loaded in %.0f s; building %d secondary indexes%n", (System.nanoTime() - started) / 1e9, indexes.size());
            for (String index : indexes) {
                st.execute(index);
            }
            timer.lap("secondary indexes (" + indexes.size() + ")");
            st.execute("reset session_replication_role");
        }
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("vacuum analyze public.organizations, auth.users, public.contacts, public.appointments,"
                    + " public.notifications, public.audit_logs, public.processed_webhook_events");
            timer.lap("vacuum analyze");
            auditTriggerAlone(st);
            try (ResultSet rs = st.executeQuery("select n, grp, org_id, user_id, contact_id, phone, appointment_id, notification_id"
                    + " from bench.tenant order by n")) {
                while (rs.next()) {
                    Tenant t = new Tenant(rs.getInt(1), rs.getInt(2), rs.getObject(3, UUID.class), rs.getObject(4, UUID.class),
                            rs.getObject(5, UUID.class), rs.getString(6), rs.getObject(7, UUID.class), rs.getObject(8, UUID.class));
                    data.tenants.add(t);
                    data.byOrg.put(t.org(), t);
                }
            }
            for (int g = 0; g < groups; g++) {
                int group = g;
                data.byGroup.add(data.tenants.stream().filter(t -> t.group() == group).toList());
            }
            try (ResultSet rs = st.executeQuery("select (select count(*) from public.contacts), (select count(*) from public.appointments),"
                    + " (select count(*) from public.notifications), (select count(*) from public.audit_logs),"
                    + " pg_size_pretty(pg_database_size(current_database()))")) {
                rs.next();
                System.out.printf(Locale.ROOT, "data set (seed %d): %d organizations, %d contacts, %d appointments, %d notifications,"
                                + " %d audit rows, database %s; ready in %.0f s (%s)%n",
                        s.seed(), data.tenants.size(), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                        (System.nanoTime() - started) / 1e9, timer);
            }
        }
        return data;
    }

    /** Drops the indexes of {@code tables} that back no constraint and returns their definitions. */
    private static List<String> dropSecondaryIndexes(Statement st, List<String> tables) throws SQLException {
        List<String> definitions = new ArrayList<>();
        for (String table : tables) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) from pg_index i"
                    + " where i.indrelid = 'public." + table + "'::regclass"
                    + " and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    definitions.add(rs.getString(2));
                }
            }
            for (String name : names) {
                st.execute("drop index " + name);
            }
        }
        return definitions;
    }

    /**
     * Sets every trigger of the written tables but the audit trigger to fire in every replication role,
     * then checks that a connection in {@code session_replication_role = replica} skips the audit trigger
     * and nothing else (a foreign key is still enforced, {@code updated_at} still set).
     */
    private static void auditTriggerAlone(Statement st) throws SQLException {
        List<String> alters = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("select t.tgrelid::regclass::text, t.tgname from pg_trigger t"
                + " where t.tgrelid in ('public.organizations'::regclass, 'public.contacts'::regclass,"
                + " 'public.appointments'::regclass, 'public.notifications'::regclass, 'public.processed_webhook_events'::regclass)"
                + " and t.tgname !~ '^audit_(insert|update|delete)_'")) {
            while (rs.next()) {
                alters.add("alter table " + rs.getString(1) + " enable always trigger \"" + rs.getString(2) + "\"");
            }
        }
        for (String alter : alters) {
            st.execute(alter);
        }
        Connection c = st.getConnection();
        c.setAutoCommit(false);
        try {
            st.execute("set local session_replication_role = replica");
            long auditBefore = count(st, "select count(*) from public.audit_logs where table_name = 'contacts'"
                    + " and row_data ->> 'name' = 'Audit switch check'");
            st.execute("insert into public.contacts (org_id, name) select id, 'Audit switch check' from public.organizations limit 1");
            long auditAfter = count(st, "select count(*) from public.audit_logs where table_name = 'contacts'"
                    + " and row_data ->> 'name' = 'Audit switch check'");
            st.execute("savepoint fk");
            boolean fkEnforced;
            try {
                st.execute("insert into public.contacts (org_id, name) values (gen_random_uuid(), 'Audit switch check')");
                fkEnforced = false;
            } catch (SQLException e) {
                fkEnforced = "23503".equals(e.getSQLState());
                st.execute("rollback to savepoint fk");
            }
            st.execute("update public.contacts set updated_at = now() - interval '1 day' where name = 'Audit switch check'");
            long updatedAtSet = count(st, "select count(*) from public.contacts where name = 'Audit switch check'"
                    + " and updated_at > now() - interval '1 hour'");
            if (auditAfter != auditBefore || !fkEnforced || updatedAtSet != 1) {
                throw new IllegalStateException("session_replication_role = replica must skip the audit trigger alone:"
                        + " audit rows written " + (auditAfter - auditBefore) + ", foreign key enforced " + fkEnforced
                        + ", updated_at set " + updatedAtSet);
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        System.out.printf("audit switch: %d triggers set to ENABLE ALWAYS; in session_replication_role = replica the audit"
                + " trigger alone is skipped (checked)%n", alters.size());
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // what writes consume

    /** A row a write consumes: its organization, the user who acts, the row. */
    record Item(Tenant tenant, UUID user, UUID id) {
    }

    /** {@code count} contacts without appointments in the organizations of {@code group}, to delete. */
    List<Item> contactsToDelete(Connection c, int group, int count) throws SQLException {
        return items(c, group, "insert into public.contacts (org_id, name, email, lead_status)"
                + " select t.org_id, 'Deletable ' || g, 'deletable' || g || '@bench.example', 'new'"
                + " from generate_series(0, ? - 1) g join bench.tenant t on t.grp = ? and t.n = (?::int[])[1 + g % ?]"
                + " returning org_id, null::uuid, id", count);
    }

    /** {@code count} pending appointments (in slots nothing else uses) in the organizations of {@code group}. */
    List<Item> pendingAppointments(Connection c, int group, int count) throws SQLException {
        long first = slots.getAndAdd(count);
        return items(c, group, "insert into public.appointments (org_id, contact_id, service_type, scheduled_at, duration_minutes, status)"
                + " select t.org_id, t.contact_id, 'botox', '" + slotOrigin + "'::timestamptz + (" + first + " + g) * interval '"
                + SLOT_STEP_MINUTES + " minutes', " + SLOT_MINUTES + ", 'pending'"
                + " from generate_series(0, ? - 1) g join bench.tenant t on t.grp = ? and t.n = (?::int[])[1 + g % ?]"
                + " returning org_id, null::uuid, id", count);
    }

    /** {@code count} unread notifications of the first user of the organizations of {@code group}. */
    List<Item> unreadNotifications(Connection c, int group, int count) throws SQLException {
        return items(c, group, "insert into public.notifications (org_id, user_id, type, title, message, related_entity_type, status)"
                + " select t.org_id, t.user_id, 'system_alert', 'To read ' || g, 'Generated for the benchmark', 'system', 'unread'"
                + " from generate_series(0, ? - 1) g join bench.tenant t on t.grp = ? and t.n = (?::int[])[1 + g % ?]"
                + " returning org_id, user_id, id", count);
    }

    /** {@code count} new users of the organizations of {@code group}, each with {@code unread} unread notifications. */
    List<Item> usersWithUnread(Connection c, int group, int count, int unread) throws SQLException {
        long batch = next();
        List<Item> users = items(c, group, "insert into auth.users (id, email, aud, role, raw_app_meta_data)"
                + " select gen_random_uuid(), 'reader' || g || '.b" + batch + "@bench.example', 'authenticated', 'authenticated',"
                + "  jsonb_build_object('org_id', t.org_id)"
                + " from generate_series(0, ? - 1) g join bench.tenant t on t.grp = ? and t.n = (?::int[])[1 + g % ?]"
                + " returning (raw_app_meta_data ->> 'org_id')::uuid, id, null::uuid", count);
        try (Statement st = c.createStatement()) {
            st.execute("insert into public.notifications (org_id, user_id, type, title, message, related_entity_type, status)"
                    + " select (u.raw_app_meta_data ->> 'org_id')::uuid, u.id, 'missed_call', 'Unread ' || g,"
                    + " 'Generated for the benchmark', 'system', 'unread'"
                    + " from auth.users u, generate_series(1, " + unread + ") g where u.email like '%.b" + batch + "@bench.example'");
        }
        return users;
    }

    /** Runs an INSERT … RETURNING (org, user, id) with parameters: count, group, the group's numbers, their count. */
    private List<Item> items(Connection c, int group, String sql, int count) throws SQLException {
        List<Tenant> owners = group(group);
        List<Item> items = new ArrayList<>(count);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Array numbers = c.createArrayOf("int4", owners.stream().map(Tenant::n).toArray());
            ps.setInt(1, count);
            ps.setInt(2, group);
            ps.setArray(3, numbers);
            ps.setInt(4, owners.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Tenant t = byOrg.get(rs.getObject(1, UUID.class));
                    UUID user = rs.getObject(2, UUID.class);
                    items.add(new Item(t, user == null ? t.user() : user, rs.getObject(3, UUID.class)));
                }
            }
        }
        return items;
    }

    /** Elapsed time per step of the generation. */
    private static final class Timer {
        private final StringBuilder laps = new StringBuilder();
        private long last = System.nanoTime();

        void lap(String step) {
            long now = System.nanoTime();
            laps.append(laps.length() == 0 ? "" : ", ").append(step).append(' ')
                    .append(String.format(Locale.ROOT, "%.0f s", (now - last) / 1e9));
            last = now;
        }

        @Override
        public String toString() {
            return laps.toString();
        }
    }
}
