package com.voxanne.security;

import static com.voxanne.security.FunctionAttackSupport.column;
import static com.voxanne.security.FunctionAttackSupport.execute;
import static com.voxanne.security.FunctionAttackSupport.hits;
import static com.voxanne.security.FunctionAttackSupport.inSession;
import static com.voxanne.security.FunctionAttackSupport.plantPayload;
import static com.voxanne.security.FunctionAttackSupport.rebind;
import static com.voxanne.security.FunctionAttackSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.security.FunctionAttackSupport.BothVersions;
import com.voxanne.security.FunctionAttackSupport.Clinic;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User a2 redirects "who am I" to user a1 of the same organization, and "which organization is this row
 * in" to another organization, with a temporary composite type {@code uuid} and two casts: text to it
 * (returning a1 for a2's id and organization B for A) and it to {@code pg_catalog.uuid}. A function whose
 * body is a string and that resolves {@code uuid} at run time (auth.uid()'s {@code ::uuid}, the audit
 * trigger's {@code (v_row ->> 'org_id')::uuid}) then converts through a2's functions. On V13 a2 reads
 * a1's notifications through the policy {@code notifications_select_own} and the audit trail names a1
 * and organization B for a2's write; on the latest schema (TEMPORARY granted back, so that the test is
 * of the functions and policies, not of the revoke) neither happens.
 */
class AuthUidRedirectionAttackTest {

    private static BothVersions databases;
    private static TestDatabase latest;
    private static Clinic latestClinic;
    private static TestDatabase v13;
    private static Clinic v13Clinic;

    @BeforeAll
    static void databases() throws SQLException {
        databases = BothVersions.open();
        latest = databases.latest;
        latestClinic = databases.latestClinic;
        v13 = databases.v13;
        v13Clinic = databases.v13Clinic;
    }

    @AfterAll
    static void drop() {
        if (databases != null) {
            databases.close();
        }
    }

    /**
     * Plants the redirection in a2's session. Each conversion also calls the recording payload, so that
     * the test sees whether any of our code resolved the attacker's type at all.
     */
    private static void redirect(Connection c, Clinic k) throws SQLException {
        plantPayload(c, false);
        execute(c, "create type pg_temp.uuid as (v pg_catalog.text)");
        execute(c, "create function pg_temp.voxanne_redirect(x pg_catalog.text) returns pg_temp.uuid"
                + " language plpgsql as $$ begin perform pg_temp.voxanne_payload('redirect');"
                + " return row(case x when '" + k.a2 + "' then '" + k.a1 + "'"
                + " when '" + k.orgA + "' then '" + k.orgB + "' else x end); end $$");
        execute(c, "create cast (pg_catalog.text as pg_temp.uuid) with function pg_temp.voxanne_redirect(pg_catalog.text)"
                + " as implicit");
        execute(c, "create function pg_temp.voxanne_unwrap(x pg_temp.uuid) returns pg_catalog.uuid"
                + " language sql as $$ select (x).v::pg_catalog.uuid $$");
        execute(c, "create cast (pg_temp.uuid as pg_catalog.uuid) with function pg_temp.voxanne_unwrap(pg_temp.uuid)"
                + " as implicit");
    }

    /** The ids of the notifications a2 reads: without a filter, and those of a1. */
    private static List<String> notificationsA2Reads(Connection c, Clinic k) throws SQLException {
        return column(c, "select n.id::pg_catalog.text from public.notifications n order by n.id");
    }

    private static String a1RowsReadByA2(Connection c, Clinic k) throws SQLException {
        return text(c, "select pg_catalog.count(*)::pg_catalog.text from public.notifications n where n.user_id = ?", k.a1);
    }

    /** a2 inserts a contact; the audit row of that insert, read as service_role: "user|org|claims org". */
    private static String auditOfA2sWrite(Connection c, Clinic k) throws SQLException {
        execute(c, "insert into public.contacts (org_id, name) values ('" + k.orgA + "'::pg_catalog.uuid, 'Mallory Example')");
        rebind(c, RequestClaims.service());
        return text(c, "select pg_catalog.concat_ws('|', a.authenticated_user, a.org_id, a.claims_org_id)"
                + " from public.audit_logs a where a.table_name operator(pg_catalog.=) 'contacts'::pg_catalog.text"
                + " order by a.id desc limit 1");
    }

    @Test
    void onV13A2ReadsA1sNotificationsAndTheAuditTrailNamesA1AndAnotherOrganization() throws SQLException {
        Clinic k = v13Clinic;
        // control: a2 alone reads none of a1's notifications, and is audited as itself
        String a1RowsWithoutAttack = inSession(v13, k.userA2(), c -> a1RowsReadByA2(c, k));
        String auditWithoutAttack = inSession(v13, k.userA2(), c -> auditOfA2sWrite(c, k));
        assertThat(a1RowsWithoutAttack).isEqualTo("0");
        assertThat(auditWithoutAttack).isEqualTo(k.a2 + "|" + k.orgA + "|" + k.orgA);

        List<String> read = inSession(v13, k.userA2(), c -> {
            redirect(c, k);
            return notificationsA2Reads(c, k);
        });
        assertThat(read).containsExactlyInAnyOrder(k.notificationA1.toString(), k.expiredNotification.toString());
        String uid = inSession(v13, k.userA2(), c -> {
            redirect(c, k);
            return text(c, "select auth.uid()::pg_catalog.text");
        });
        assertThat(uid).isEqualTo(k.a1.toString());
        String audit = inSession(v13, k.userA2(), c -> {
            redirect(c, k);
            return auditOfA2sWrite(c, k);
        });
        assertThat(audit).isEqualTo(k.a1 + "|" + k.orgB + "|" + k.orgA);
    }

    @Test
    void onTheLatestSchemaA2StillReadsOnlyItsOwnNotifications() throws SQLException {
        Clinic k = latestClinic;
        inSession(latest, k.userA2(), c -> {
            redirect(c, k);
            assertThat(a1RowsReadByA2(c, k)).isEqualTo("0");
            assertThat(notificationsA2Reads(c, k)).containsExactly(k.notificationA2.toString());
            assertThat(text(c, "select public.auth_user_id()::pg_catalog.text")).isEqualTo(k.a2.toString());
            // the shim's auth.uid() is pre-parsed too: applications that still call it are not redirected
            assertThat(text(c, "select auth.uid()::pg_catalog.text")).isEqualTo(k.a2.toString());
            assertThat(hits(c)).as("conversions through the attacker's type").isZero();
            return null;
        });
    }

    @Test
    void onTheLatestSchemaTheAuditTrailOfA2sWriteNamesA2AndItsOrganization() throws SQLException {
        Clinic k = latestClinic;
        inSession(latest, k.userA2(), c -> {
            redirect(c, k);
            assertThat(auditOfA2sWrite(c, k)).isEqualTo(k.a2 + "|" + k.orgA + "|" + k.orgA);
            rebind(c, k.userA2());
            assertThat(hits(c)).as("conversions through the attacker's type").isZero();
            return null;
        });
    }

    /** a2 may update the status of its own notification only, attack or not (notifications_update_own). */
    @Test
    void onTheLatestSchemaA2CannotMarkA1sNotificationRead() throws SQLException {
        Clinic k = latestClinic;
        inSession(latest, k.userA2(), c -> {
            redirect(c, k);
            assertThat(ShadowTargets.update(c, "update public.notifications set status = 'read' where id = ?",
                    k.notificationA1)).isZero();
            assertThat(ShadowTargets.update(c, "update public.notifications set status = 'read' where id = ?",
                    k.notificationA2)).isOne();
            assertThat(hits(c)).isZero();
            return null;
        });
    }
}
