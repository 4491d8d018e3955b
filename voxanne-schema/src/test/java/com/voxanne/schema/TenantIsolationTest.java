package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static com.voxanne.schema.SchemaTestSupport.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Row-level security keeps each organization's rows away from the other's for select, insert, update
 * and delete on every table, acting through the non-superuser login role as real users.
 */
class TenantIsolationTest {

    private static TestDatabase db;
    private static UUID orgA;
    private static UUID orgB;
    private static RequestClaims userA;
    private static RequestClaims userB;
    private static UUID contactA;
    private static UUID appointmentA;
    private static UUID notificationA;

    @BeforeAll
    static void twoClinics() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        orgA = SchemaTestSupport.organization(db, "Clinic A");
        orgB = SchemaTestSupport.organization(db, "Clinic B");
        UUID a = SchemaTestSupport.user(db, orgA);
        UUID b = SchemaTestSupport.user(db, orgB);
        userA = RequestClaims.user(orgA, a);
        userB = RequestClaims.user(orgB, b);
        contactA = UUID.fromString(column(db, userA,
                "insert into public.contacts (org_id, name, phone) values (?, 'Ann', '+15550100001') returning id", orgA).get(0));
        appointmentA = UUID.fromString(column(db, userA, "insert into public.appointments (org_id, contact_id, service_type,"
                + " scheduled_at) values (?, ?, 'botox', now() + interval '1 day') returning id", orgA, contactA).get(0));
        notificationA = UUID.fromString(column(db, RequestClaims.service(), "select public.create_notification(?, ?,"
                + " 'hot_lead'::public.notification_type, 'Hot lead', 'Ann called')", orgA, a).get(0));
        admin(db, "insert into public.processed_webhook_events (org_id, event_id, event_type) values (?, 'evt-1', 'call.ended')", orgA);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void aUserOfAnotherOrganizationSelectsNothing() throws SQLException {
        assertThat(column(db, userB, "select id from public.contacts")).isEmpty();
        assertThat(column(db, userB, "select id from public.contacts where id = ?", contactA)).isEmpty();
        assertThat(column(db, userB, "select id from public.appointments")).isEmpty();
        assertThat(column(db, userB, "select id from public.notifications")).isEmpty();
        assertThat(column(db, userB, "select id::text from public.organizations")).containsExactly(orgB.toString());
        // and the owner does see them, so the empty results above are not an accident
        assertThat(column(db, userA, "select id from public.contacts")).containsExactly(contactA.toString());
        assertThat(column(db, userA, "select id from public.appointments")).containsExactly(appointmentA.toString());
        assertThat(column(db, userA, "select id from public.notifications")).containsExactly(notificationA.toString());
    }

    @Test
    void aUserOfAnotherOrganizationCannotInsertIntoIt() {
        assertThatThrownBy(() -> update(db, userB, "insert into public.contacts (org_id, name) values (?, 'Mallory')", orgA))
                .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        assertThatThrownBy(() -> update(db, userB, "insert into public.appointments (org_id, contact_id, service_type,"
                + " scheduled_at) values (?, ?, 'filler', now())", orgA, contactA))
                .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
    }

    @Test
    void aUserOfAnotherOrganizationUpdatesAndDeletesNothing() throws SQLException {
        assertThat(update(db, userB, "update public.contacts set name = 'Hacked' where id = ?", contactA)).isZero();
        assertThat(update(db, userB, "update public.appointments set status = 'cancelled' where id = ?", appointmentA)).isZero();
        assertThat(update(db, userB, "update public.notifications set status = 'read' where id = ?", notificationA)).isZero();
        assertThat(update(db, userB, "delete from public.appointments where id = ?", appointmentA)).isZero();
        assertThat(update(db, userB, "delete from public.contacts where id = ?", contactA)).isZero();
        assertThat(adminColumn(db, "select name from public.contacts where id = ?", contactA)).containsExactly("Ann");
        assertThat(adminColumn(db, "select status::text from public.appointments where id = ?", appointmentA))
                .containsExactly("pending");
    }

    @Test
    void aUserCannotMoveARowIntoAnotherOrganization() {
        assertThatThrownBy(() -> update(db, userA, "update public.contacts set org_id = ? where id = ?", orgB, contactA))
                .isInstanceOf(SQLException.class);
    }

    @Test
    void webhookEventsAndTheAuditTrailAreForTheServiceRoleOnly() throws SQLException {
        assertThatThrownBy(() -> column(db, userA, "select event_id from public.processed_webhook_events"))
                .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> column(db, userA, "select id from public.audit_logs"))
                .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        assertThat(column(db, RequestClaims.service(), "select event_id from public.processed_webhook_events"))
                .containsExactly("evt-1");
    }

    @Test
    void anonymousCallersSeeNothingAnywhere() {
        for (String table : new String[] {"contacts", "appointments", "notifications", "organizations",
                "processed_webhook_events", "audit_logs", "calls", "call_logs"}) {
            assertThatThrownBy(() -> column(db, RequestClaims.anonymous(), "select 1 from public." + table))
                    .as(table).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        }
    }

    @Test
    void theServiceRoleSeesEveryOrganization() throws SQLException {
        assertThat(column(db, RequestClaims.service(), "select count(distinct org_id)::text from public.contacts"))
                .containsExactly("1");
        assertThat(column(db, RequestClaims.service(), "select count(*)::text from public.organizations where id in (?, ?)",
                orgA, orgB)).containsExactly("2");
    }

    @Test
    void theLoginRoleAloneSeesNoTenantData() {
        // Connected but not bound to any role: the NOINHERIT login role has no privileges of its own.
        assertThatThrownBy(() -> {
            try (var c = db.loginDataSource().getConnection(); var s = c.createStatement()) {
                s.executeQuery("select 1 from public.contacts");
            }
        }).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }
}
