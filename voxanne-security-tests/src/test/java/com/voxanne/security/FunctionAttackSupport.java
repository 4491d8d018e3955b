package com.voxanne.security;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.AuthUsers;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the attacks on name resolution share: databases at the latest schema and at V13, a session of
 * the login role bound to an API role in one transaction that is always rolled back (so that every
 * attack starts from the same rows), and the payload an attacker plants in {@code pg_temp}.
 *
 * <p>Every statement the harness sends after the attack objects exist names its types and relations
 * with their schema ({@code pg_catalog.text}, {@code public.notifications}): the attacker's temporary
 * {@code text} or {@code uuid} would otherwise capture the harness's own casts too.
 */
final class FunctionAttackSupport {

    /** What the payload raises or records: an attack that reaches it is visible by this word. */
    static final String MARKER = "PWNED";

    private FunctionAttackSupport() {
    }

    /** Every migration applied: the schema under test. */
    static DatabaseTemplate latest() {
        return TestPostgres.shared().template("voxanne-security-attackfn-latest", db -> {
            VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate();
            grantApiRoles(db.server(), db.adminDataSource());
        });
    }

    /**
     * Every migration applied and then every one after V13 undone by its rollback script: the schema the
     * attacks were found on. Rolled back rather than migrated to 13 so that the rollback scripts of the
     * hardening are exercised too (they must restore the old, weaker definitions exactly).
     */
    static DatabaseTemplate v13() {
        return TestPostgres.shared().template("voxanne-security-attackfn-v13", db -> {
            VoxanneSchema schema = VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
            schema.migrate();
            schema.rollbackTo("13", false);
            grantApiRoles(db.server(), db.adminDataSource());
        });
    }

    /** Lets the login role switch to the API roles, as Supabase's authenticator can. Cluster-wide. */
    private static void grantApiRoles(PostgresServer server, DataSource admin) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("grant anon, authenticated, service_role to \"" + server.loginRole() + "\"");
        }
    }

    /**
     * Gives the API roles TEMPORARY on {@code db} again, as a database whose ACL was lost (a clone, a
     * restore without privileges) would: the defences inside the functions must hold without the revoke.
     */
    static void grantTemporaryBack(TestDatabase db) throws SQLException {
        admin(db, "grant temporary on database \"" + db.name() + "\" to authenticated, service_role");
    }

    /** The role that owns the SECURITY DEFINER functions (the migrating superuser): whom a payload would run as. */
    static String functionOwner(TestDatabase db) throws SQLException {
        return adminText(db, "select p.proowner::regrole::text from pg_catalog.pg_proc p"
                + " where p.oid = 'public.search_contact_ids(text)'::regprocedure");
    }

    /** Work done in one bound transaction. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} on a NEW connection of the login role (a new session: no function compiled yet,
     * no temporary object of an earlier attack), bound to {@code claims} in one transaction, and rolls it
     * back whatever happens. A fresh session matters: PL/pgSQL resolves a function's names when the
     * session first compiles it, so an attack must plant its objects before the function's first call.
     * The binding is the attacker's own (role and claims only, as PostgREST or any client sends it), not
     * the library's, which also pins the transaction's search_path.
     */
    static <T> T inSession(TestDatabase db, RequestClaims claims, SqlWork<T> work) throws SQLException {
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                rebind(c, claims);
                return work.apply(c);
            } finally {
                c.rollback();
            }
        }
    }

    /** Switches the current transaction to {@code claims} (the login role may take any API role). */
    static void rebind(Connection c, RequestClaims claims) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PrivilegeAttackSupport.BIND_SQL)) {
            ps.setString(1, claims.role().roleName());
            ps.setString(2, claims.toJson());
            ps.execute();
        }
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of every row, as text. */
    static List<String> column(Connection c, String sql, Object... params) throws SQLException {
        return PrivilegeAttackSupport.column(c, sql, params);
    }

    /** The single value of a one-row, one-column query, as text. */
    static String text(Connection c, String sql, Object... params) throws SQLException {
        return PrivilegeAttackSupport.value(c, sql, params);
    }

    static void admin(TestDatabase db, String sql, Object... params) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    static String adminText(TestDatabase db, String sql, Object... params) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            return text(c, sql, params);
        }
    }

    /**
     * Plants the payload: {@code pg_temp.voxanne_payload(via)} records {@code current_user} in the
     * attacker's own temporary table {@code voxanne_loot} and then, when {@code raise}, raises an
     * exception naming {@link #MARKER} and {@code current_user}. Run by a SECURITY DEFINER function it
     * would say {@code PWNED as <owner>}.
     */
    static void plantPayload(Connection c, boolean raise) throws SQLException {
        execute(c, "create temporary table voxanne_loot (who pg_catalog.text, via pg_catalog.text)");
        // A sequence is not transactional: it still counts a payload whose transaction failed.
        execute(c, "create temporary sequence voxanne_hits");
        // The API role that plants it may switch role before the harness reads it back.
        execute(c, "grant all on table pg_temp.voxanne_loot to public");
        execute(c, "grant all on sequence pg_temp.voxanne_hits to public");
        execute(c, "create function pg_temp.voxanne_payload(via pg_catalog.text) returns pg_catalog.bool"
                + " language plpgsql as $$ begin"
                + " perform pg_catalog.nextval('pg_temp.voxanne_hits'::pg_catalog.regclass);"
                + " insert into pg_temp.voxanne_loot values (current_user, via);"
                + (raise ? " raise exception '" + MARKER + " as % via %', current_user, via;" : "")
                + " return true; end $$");
        // the same for triggers on the attacker's tables
        execute(c, "create function pg_temp.voxanne_payload_trigger() returns trigger"
                + " language plpgsql as $$ begin"
                + " perform pg_temp.voxanne_payload('trigger on ' || tg_table_name);"
                + " return null; end $$");
    }

    /** How many times the payload ran in this session, committed or not. */
    static long hits(Connection c) throws SQLException {
        return Long.parseLong(text(c, "select pg_catalog.nextval('pg_temp.voxanne_hits'::pg_catalog.regclass)"
                + " operator(pg_catalog.-) 1"));
    }

    /** What the payload recorded in this session, as "who via" lines. */
    static List<String> loot(Connection c) throws SQLException {
        return column(c, "select l.who operator(pg_catalog.||) ' via ' operator(pg_catalog.||) l.via"
                + " from pg_temp.voxanne_loot l");
    }

    /**
     * A database at the latest version with TEMPORARY granted back to the API roles (so that what is
     * tested is the functions and policies, not the revoke) and one rolled back to V13, each with its
     * {@link Clinic}.
     */
    static final class BothVersions implements AutoCloseable {
        final TestDatabase latest;
        final Clinic latestClinic;
        final TestDatabase v13;
        final Clinic v13Clinic;

        private BothVersions(TestDatabase latest, TestDatabase v13) throws SQLException {
            this.latest = latest;
            this.v13 = v13;
            grantTemporaryBack(latest);
            this.latestClinic = Clinic.create(latest);
            this.v13Clinic = Clinic.create(v13);
        }

        static BothVersions open() throws SQLException {
            TestDatabase latest = latest().newDatabase();
            try {
                return new BothVersions(latest, v13().newDatabase());
            } catch (SQLException | RuntimeException e) {
                latest.close();
                throw e;
            }
        }

        @Override
        public void close() {
            latest.close();
            v13.close();
        }
    }

    /** Two organizations; a1 and a2 in A, b1 in B; a contact, notifications and audit rows in A. */
    static final class Clinic {
        final UUID orgA = UUID.randomUUID();
        final UUID orgB = UUID.randomUUID();
        final UUID a1 = UUID.randomUUID();
        final UUID a2 = UUID.randomUUID();
        final UUID b1 = UUID.randomUUID();
        final UUID contact = UUID.randomUUID();
        final UUID contactB = UUID.randomUUID();
        final UUID notificationA1 = UUID.randomUUID();
        final UUID expiredNotification = UUID.randomUUID();
        final UUID notificationA2 = UUID.randomUUID();
        /** How many audit rows name organization A once the fixture exists (one of them 400 days old). */
        long auditRowsOfA;

        RequestClaims userA1() {
            return RequestClaims.user(orgA, a1);
        }

        RequestClaims userA2() {
            return RequestClaims.user(orgA, a2);
        }

        RequestClaims service() {
            return RequestClaims.service();
        }

        /** Creates it all as the admin role, as sign-up and the backend would. */
        static Clinic create(TestDatabase db) throws SQLException {
            Clinic clinic = new Clinic();
            admin(db, "insert into public.organizations (id, name) values (?, 'Clinic A'), (?, 'Clinic B')",
                    clinic.orgA, clinic.orgB);
            try (Connection c = db.adminDataSource().getConnection()) {
                AuthUsers.create(c, clinic.a1, clinic.a1 + "@example.test", clinic.orgA);
                AuthUsers.create(c, clinic.a2, clinic.a2 + "@example.test", clinic.orgA);
                AuthUsers.create(c, clinic.b1, clinic.b1 + "@example.test", clinic.orgB);
            }
            admin(db, "insert into public.contacts (id, org_id, name, phone, email)"
                    + " values (?, ?, 'Ann Example', '+15550100001', 'ann@example.test')", clinic.contact, clinic.orgA);
            admin(db, "insert into public.contacts (id, org_id, name, phone) values (?, ?, 'Ben Example', '+15550100009')",
                    clinic.contactB, clinic.orgB);
            admin(db, "insert into public.notifications (id, org_id, user_id, type, title, message)"
                    + " values (?, ?, ?, 'hot_lead', 'Hot lead', 'A caller asked for a price')",
                    clinic.notificationA1, clinic.orgA, clinic.a1);
            admin(db, "insert into public.notifications (id, org_id, user_id, type, title, message)"
                    + " values (?, ?, ?, 'missed_call', 'Missed call', 'Call back')",
                    clinic.notificationA2, clinic.orgA, clinic.a2);
            admin(db, "insert into public.notifications (id, org_id, user_id, type, title, message, created_at, expires_at)"
                    + " values (?, ?, ?, 'system_alert', 'Old', 'Expired', now() - interval '2 days', now() - interval '1 day')",
                    clinic.expiredNotification, clinic.orgA, clinic.a1);
            // an audit row old enough for archive_old_audit_logs
            admin(db, "insert into public.audit_logs (event_type, operation, org_id, event_time)"
                    + " values ('TEST', 'OLD', ?, now() - interval '400 days')", clinic.orgA);
            clinic.auditRowsOfA = Long.parseLong(adminText(db, "select count(*)::text from public.audit_logs where org_id = ?",
                    clinic.orgA));
            return clinic;
        }
    }
}
