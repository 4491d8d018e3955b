package com.voxanne.schema.internal;

import com.voxanne.schema.VerifyCheck;
import com.voxanne.schema.session.AuthUsers;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The functional checks: they create two organizations (A and B), three users, a contact in each
 * organization and a notification for A's user, then act as a user, as anon or as the service role
 * exactly as the data layer does, bound through {@link RequestBinding} with {@link RequestClaims}, and look
 * at what they get.
 *
 * <p>On a single server everything they do is undone by the rollback that ends verification; each probe
 * runs behind a savepoint of its own, so that one failing probe does not spoil the next. On a database
 * distributed by Citus a transaction that writes a shard group as one role cannot then read it as another
 * (docs/citus.md, fact 12: SQLSTATE 25001), and the probes write as the verifying role and read as users.
 * There the seed is committed in a transaction of its own, each probe runs in a transaction of its own
 * that is rolled back, and {@link #cleanup} removes the seed afterwards, whatever the probes found:
 * the organizations (their contacts and notifications go with them), the users, and the audit rows of
 * both organizations, so that verification leaves nothing behind there either.
 */
final class Probes {

    /** A probe's body; it may leave a role bound, {@link #run} returns to the verifying role afterwards. */
    @FunctionalInterface
    interface Probe {
        Verdict run() throws SQLException;
    }

    private final Connection c;
    private UUID orgA;
    private UUID orgB;
    private UUID userA;
    private UUID colleagueA;
    private UUID userB;
    private String seedFailure = "not attempted";
    /** The binding's form for this database, read by {@link #seed} (docs/adr/0018). */
    private RequestBinding.Placement placement;
    /** Whether the seed was committed apart from the probes (a distributed database) and must be removed. */
    private boolean committed;
    /** Whether the seed is all there for the probes. */
    private boolean seeded;

    Probes(Connection c) {
        this.c = c;
    }

    /** Runs {@code probe}; a probe that throws FAILs, as does every probe when the seed data could not be made. */
    Verdict run(Probe probe) {
        if (!seeded) {
            return Verdict.fail("probe data could not be created: " + seedFailure);
        }
        if (committed) {
            return inOwnTransaction(probe);
        }
        Savepoint savepoint = null;
        try {
            savepoint = c.setSavepoint();
            Verdict verdict = probe.run();
            actAsVerifyingRole();
            return verdict;
        } catch (SQLException e) {
            return Verdict.fail("probe failed: " + SqlFailures.describe(e));
        } finally {
            rollbackQuietly(savepoint);
        }
    }

    /** A probe on a distributed database: in a transaction of its own, rolled back, so it meets no other role's write. */
    private Verdict inOwnTransaction(Probe probe) {
        try {
            return probe.run();
        } catch (SQLException e) {
            return Verdict.fail("probe failed: " + SqlFailures.describe(e));
        } finally {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the next probe's first statement reports a broken connection
            }
        }
    }

    /**
     * Creates the probes' organizations, users, contacts and notification. On a single server they live
     * until the final rollback; on a distributed database they are committed here and removed by
     * {@link #cleanup}.
     */
    void seed() {
        try {
            placement = RequestBinding.placementOf(c);
        } catch (SQLException e) {
            seedFailure = SqlFailures.describe(e);
            return;
        }
        orgA = UUID.randomUUID();
        orgB = UUID.randomUUID();
        userA = UUID.randomUUID();
        colleagueA = UUID.randomUUID();
        userB = UUID.randomUUID();
        if (placement == RequestBinding.Placement.DISTRIBUTED) {
            seedCommitted();
            return;
        }
        Savepoint savepoint = null;
        try {
            savepoint = c.setSavepoint();
            writeSeed();
            seeded = true;
        } catch (SQLException e) {
            seedFailure = SqlFailures.describe(e);
            rollbackQuietly(savepoint);
        }
    }

    /**
     * The seed in a transaction of its own, committed. The transaction of the catalog checks, which read
     * only, ends first.
     */
    private void seedCommitted() {
        try {
            c.rollback();
            writeRows();
            c.commit();
            committed = true;
            // On its own: the notification's trigger NOTIFYs on the worker holding it, and PostgreSQL cannot
            // PREPARE a transaction that notified, which Citus does to commit one that wrote on two workers.
            writeNotification();
            c.commit();
            seeded = true;
        } catch (SQLException e) {
            seedFailure = SqlFailures.describe(e);
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // nothing was committed
            }
        }
    }

    private void writeSeed() throws SQLException {
        writeRows();
        writeNotification();
    }

    private void writeRows() throws SQLException {
        exec("insert into public.organizations (id, name) values (?, 'verify probe A'), (?, 'verify probe B')", orgA, orgB);
        for (UUID[] user : new UUID[][] {{userA, orgA}, {colleagueA, orgA}, {userB, orgB}}) {
            AuthUsers.create(c, user[0], user[0] + "@verify.invalid", user[1]);
        }
        exec("insert into public.contacts (org_id, name) values (?, 'probe A'), (?, 'probe B')", orgA, orgB);
    }

    private void writeNotification() throws SQLException {
        exec("insert into public.notifications (org_id, user_id, type, title, message)"
                + " values (?, ?, 'system_alert', 'probe', 'probe')", orgA, userA);
    }

    /**
     * Removes a committed seed, in one transaction, as the verifying role: both organizations (their
     * contacts and notifications by their foreign keys' cascade), the three users, and every audit row of
     * either organization (the seed's and the removal's own; the append-only guard lets a delete through
     * while {@code voxanne.audit_archive} is on, set here by {@code SET LOCAL} so that it reaches the
     * workers). Nothing to do when nothing was committed.
     *
     * @return null when nothing is left behind, else why the seed could not be removed
     */
    String cleanup() {
        if (!committed) {
            return null;
        }
        try {
            c.rollback();
            exec("set local voxanne.audit_archive = 'on'");
            // auth.users is a reference table that notifications reference: Citus then writes it only in a
            // transaction whose earlier writes used one connection per node (docs/citus.md, fact 21)
            exec("set local citus.multi_shard_modify_mode = 'sequential'");
            exec("delete from public.organizations where id in (?, ?)", orgA, orgB);
            exec("delete from auth.users where id in (?, ?, ?)", userA, colleagueA, userB);
            exec("delete from public.audit_logs where org_id in (?, ?)", orgA, orgB);
            c.commit();
            committed = false;
            return null;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // reported below
            }
            return "the probes' organizations " + orgA + " and " + orgB + " (named 'verify probe A' and 'verify probe B')"
                    + " could not be removed: " + SqlFailures.describe(e);
        }
    }

    private void rollbackQuietly(Savepoint savepoint) {
        if (savepoint != null) {
            try {
                c.rollback(savepoint);
            } catch (SQLException ignored) {
                // the transaction is rolled back as a whole at the end of verification
            }
        }
    }

    /** As the verifying role (the trigger runs for it too): org_id cannot move to another organization or to NULL. */
    Verdict orgIdImmutable() throws SQLException {
        List<String> problems = new ArrayList<>();
        if (accepted("update public.contacts set org_id = ? where org_id = ?", orgB, orgA)) {
            problems.add("moving a contact to another organization was accepted");
        }
        if (accepted("update public.contacts set org_id = null where org_id = ?", orgA)) {
            problems.add("setting a contact's org_id to NULL was accepted");
        }
        return problems.isEmpty() ? Verdict.pass("changing org_id is refused, to another organization and to NULL")
                : Verdict.fail(String.join("; ", problems) + ": the trigger org_id_immutable_contacts is missing or"
                        + " disabled (see the item \"" + VerifyCheck.ORG_ID_IMMUTABILITY_TRIGGERS.title() + "\")");
    }

    Verdict orgIsolation() throws SQLException {
        bind(RequestClaims.user(orgA, userA));
        int own = count("select count(*) from public.contacts");
        int other = count("select count(*) from public.contacts where org_id = ?", orgB);
        List<String> problems = new ArrayList<>();
        if (own != 1) {
            problems.add("a user of org A sees " + own + " contacts, expected its 1");
        }
        if (other != 0) {
            problems.add("a user of org A sees " + other + " contacts of org B (look for a policy on public.contacts"
                    + " that is not scoped by (select auth_org_id()))");
        }
        if (accepted("insert into public.contacts (org_id, name) values (?, 'intruder')", orgB)) {
            problems.add("a user of org A inserted a contact into org B (look for a policy on public.contacts whose"
                    + " WITH CHECK is not scoped by (select auth_org_id()))");
        }
        bind(RequestClaims.anonymous());
        Savepoint sp = c.setSavepoint();
        try {
            int anon = count("select count(*) from public.contacts");
            if (anon != 0) {
                problems.add("anon sees " + anon + " contacts");
            }
        } catch (SQLException refused) {
            // refused outright is what anon should get
            c.rollback(sp);
        }
        return Verdict.of(problems, "org A's user sees its own rows only, cannot write into org B; anon sees nothing");
    }

    /** The seed's notification for A's user: its owner sees it, a colleague in the same organization does not. */
    Verdict userNotifications() throws SQLException {
        bind(RequestClaims.user(orgA, colleagueA));
        int colleague = count("select count(*) from public.notifications");
        bind(RequestClaims.user(orgA, userA));
        int owner = count("select count(*) from public.notifications");
        List<String> problems = new ArrayList<>();
        if (owner != 1) {
            problems.add("the owner sees " + owner + " notifications, expected 1");
        }
        if (colleague != 0) {
            problems.add("a colleague in the same organization sees " + colleague + " (look for a policy on"
                    + " public.notifications that is not scoped by the user)");
        }
        return Verdict.of(problems, "only the notification's own user sees it");
    }

    /**
     * The search function runs as its owner, past RLS: its own organization filter must keep org B's
     * contact ("probe B") out of org A's results, for a user and for the service role bound to org A (which
     * bypasses RLS, as does the verifying role given the user's claims), and a caller without an
     * organization gets 42501.
     */
    Verdict searchIsolation() throws SQLException {
        String search = "select string_agg(c.name, ',' order by c.name) from public.contacts c"
                + " where c.id in (select public.search_contact_ids('probe'))";
        List<String> problems = new ArrayList<>();
        bind(RequestClaims.user(orgA, userA));
        String asUser = scalar(search);
        // the user's claims, but the verifying role's rights: nothing but the function's own filter applies
        dropRoleKeepingClaims();
        String functionAlone = scalar(search);
        bind(RequestClaims.service(orgA));
        String asService = scalar(search);
        for (String[] result : new String[][] {{"a user of org A", asUser}, {"service_role bound to org A", asService},
                {"the function alone (no RLS)", functionAlone}}) {
            if (!"probe A".equals(result[1])) {
                problems.add(result[0] + " found " + result[1] + ", expected only probe A (search_contact_ids must filter"
                        + " by (select auth_org_id()): run migrate to restore it)");
            }
        }
        bind(RequestClaims.service());
        Savepoint sp = c.setSavepoint();
        try {
            scalar(search);
            problems.add("a caller without an organization was answered");
        } catch (SQLException refused) {
            c.rollback(sp);
            if (!"42501".equals(refused.getSQLState())) {
                problems.add("a caller without an organization got " + refused.getSQLState() + ", expected 42501");
            }
        }
        return Verdict.of(problems, "search_contact_ids returns the caller's organization's contacts only; no organization, no answer");
    }

    Verdict auditFunctions() throws SQLException {
        bind(RequestClaims.service(orgA));
        List<String> problems = new ArrayList<>();
        if (scalar("select public.create_notification(?, ?, 'system_alert'::public.notification_type, 'probe', 'probe')",
                orgA, userA) == null) {
            problems.add("create_notification returned nothing");
        }
        if (scalar("select public.log_audit_event(?, 'VERIFY', 'PROBE', 'verify')", orgA) == null) {
            problems.add("log_audit_event returned nothing");
        }
        actAsVerifyingRole();
        if (count("select count(*) from public.audit_logs where org_id = ? and table_name = 'contacts'", orgA) == 0) {
            problems.add("inserting a contact wrote no audit row (see the item \"" + VerifyCheck.AUDIT_TRIGGERS.title() + "\")");
        }
        return Verdict.of(problems, "create_notification and log_audit_event work for service_role; row changes are audited");
    }

    /** Acts as the claims' API role exactly as the data layer does, so the probes test what requests get. */
    private void bind(RequestClaims claims) throws SQLException {
        RequestBinding.bind(c, claims, RoleTimeouts.defaults(), placement);
    }

    /**
     * Back to the role verification connected as, keeping the claims bound last: its rights (past RLS),
     * and what auth_org_id() reads. Transaction-local, as the binding is.
     */
    private void dropRoleKeepingClaims() throws SQLException {
        exec("select set_config('role', 'none', true)");
    }

    /** Back to the role verification connected as, with no claims: how the seed data was written. */
    private void actAsVerifyingRole() throws SQLException {
        exec("select set_config('role', 'none', true), set_config('request.jwt.claims', '', true)");
    }

    /** Whether the statement succeeded; it is undone either way, and a refusal leaves the transaction usable. */
    private boolean accepted(String sql, Object... params) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            exec(sql, params);
            return true;
        } catch (SQLException refused) {
            return false;
        } finally {
            c.rollback(sp);
        }
    }

    private void exec(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params)) {
            ps.execute();
        }
    }

    private String scalar(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private int count(String sql, Object... params) throws SQLException {
        return Integer.parseInt(scalar(sql, params));
    }

    private PreparedStatement prepare(String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }
}
