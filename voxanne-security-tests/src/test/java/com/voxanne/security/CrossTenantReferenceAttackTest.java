package com.voxanne.security;

import static com.voxanne.security.PrivilegeAttackSupport.SUCCESS;
import static com.voxanne.security.PrivilegeAttackSupport.adminColumn;
import static com.voxanne.security.PrivilegeAttackSupport.as;
import static com.voxanne.security.PrivilegeAttackSupport.asRaw;
import static com.voxanne.security.PrivilegeAttackSupport.execute;
import static com.voxanne.security.PrivilegeAttackSupport.failure;
import static com.voxanne.security.PrivilegeAttackSupport.sqlState;
import static com.voxanne.security.PrivilegeAttackSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Two attacks across the tenant boundary that row-level security alone does not stop.
 *
 * <p>A notification's related entity: {@code create_notification} is SECURITY DEFINER and the service role
 * bypasses row-level security, so neither sees only its own organization's rows. A notification of
 * organization A pointing at organization B's contact or appointment would lead A's staff (through the
 * notification's link) to B's patient, and an error that differed between "another organization's row"
 * and "no such row" would tell A which ids exist at B. Both are refused alike with 23503, echoing no id.
 *
 * <p>The acting user: the audit trail names the end user of every write. A caller acting as
 * {@code authenticated} whose claims carry no {@code sub} (or an empty one) would write rows the trail
 * attributes to nobody; such writes are refused with 42501.
 */
@VoxannePostgres
class CrossTenantReferenceAttackTest {

    private static final String CREATE_NOTIFICATION = "select public.create_notification(?, ?,"
            + " 'hot_lead'::public.notification_type, 'Lead', 'A lead called', ?, ?)";
    private static final String INSERT_NOTIFICATION = "insert into public.notifications (org_id, user_id, type, title,"
            + " message, related_entity_id, related_entity_type) values (?, ?, 'hot_lead', 'Lead', 'A lead called', ?, ?)"
            + " returning id";

    private static DataSource login;
    private static DataSource admin;
    private static UUID orgA;
    private static UUID orgB;
    private static RequestClaims ann;
    private static UUID bobId;
    private static UUID contactA;
    private static UUID appointmentA;
    private static UUID contactB;
    private static UUID appointmentB;
    private static UUID notificationOfAnn;

    @BeforeAll
    static void twoClinics(Tenants tenants, DataSource loginRole, @Admin DataSource adminRole) throws SQLException {
        login = loginRole;
        admin = adminRole;
        User a = tenants.organization("Clinic A").user("ann");
        User b = tenants.organization("Clinic B").user("bob");
        orgA = a.organization().id();
        orgB = b.organization().id();
        ann = a.claims();
        bobId = b.id();
        contactA = contact(a.claims(), orgA);
        appointmentA = appointment(a.claims(), orgA, contactA);
        contactB = contact(b.claims(), orgB);
        appointmentB = appointment(b.claims(), orgB, contactB);
        notificationOfAnn = UUID.fromString(as(login, RequestClaims.service(), true,
                c -> value(c, CREATE_NOTIFICATION, orgA, a.id(), null, null)));
    }

    private static UUID contact(RequestClaims user, UUID org) throws SQLException {
        return UUID.fromString(as(login, user, true,
                c -> value(c, "insert into public.contacts (org_id, name) values (?, 'Pat') returning id", org)));
    }

    private static UUID appointment(RequestClaims user, UUID org, UUID contact) throws SQLException {
        return UUID.fromString(as(login, user, true, c -> value(c, "insert into public.appointments"
                + " (org_id, contact_id, service_type, scheduled_at) values (?, ?, 'botox', now() + interval '1 day')"
                + " returning id", org, contact)));
    }

    private static UUID annId() {
        return ann.userId().orElseThrow();
    }

    /** Creating a notification as {@code caller} for Ann pointing at {@code entity}; rolled back. */
    private static SQLException createRefused(RequestClaims caller, UUID entity, String type) {
        return failure(() -> as(login, caller, false, c -> value(c, CREATE_NOTIFICATION, orgA, annId(), entity, type)));
    }

    // ---------------------------------------------------------------------------------------------
    // related entity
    // ---------------------------------------------------------------------------------------------

    @Test
    void createNotificationRefusesAnotherOrganizationsContactOrAppointment() {
        for (RequestClaims caller : List.of(ann, RequestClaims.service(), RequestClaims.service(orgA))) {
            for (Object[] target : new Object[][] {{contactB, "contact"}, {appointmentB, "appointment"}}) {
                SQLException e = createRefused(caller, (UUID) target[0], (String) target[1]);
                assertThat(e.getSQLState()).as("%s pointing at B's %s", caller.role(), target[1]).isEqualTo("23503");
                assertEchoesNoId(e, (UUID) target[0]);
            }
        }
    }

    @Test
    void anotherOrganizationsRowAndAnAbsentIdAreRefusedAlike() {
        for (RequestClaims caller : List.of(ann, RequestClaims.service())) {
            for (Object[] target : new Object[][] {{contactB, "contact"}, {appointmentB, "appointment"}}) {
                UUID absent = UUID.randomUUID();
                SQLException other = createRefused(caller, (UUID) target[0], (String) target[1]);
                SQLException missing = createRefused(caller, absent, (String) target[1]);
                assertThat(missing.getSQLState()).isEqualTo(other.getSQLState()).isEqualTo("23503");
                ServerErrorMessage o = ((PSQLException) other).getServerErrorMessage();
                ServerErrorMessage m = ((PSQLException) missing).getServerErrorMessage();
                assertThat(List.of(String.valueOf(m.getMessage()), String.valueOf(m.getDetail()), String.valueOf(m.getHint()),
                        String.valueOf(m.getConstraint()), String.valueOf(m.getWhere())))
                        .as("%s: the error for an absent %s and for B's", caller.role(), target[1])
                        .containsExactly(String.valueOf(o.getMessage()), String.valueOf(o.getDetail()),
                                String.valueOf(o.getHint()), String.valueOf(o.getConstraint()), String.valueOf(o.getWhere()));
                assertEchoesNoId(missing, absent);
            }
        }
    }

    @Test
    void directWritesByTheServiceRoleCannotPointAtAnotherOrganizationsRows() throws SQLException {
        RequestClaims service = RequestClaims.service();
        assertThat(sqlState(() -> as(login, service, false, c -> value(c, INSERT_NOTIFICATION, orgA, annId(), contactB, "contact"))))
                .as("insert pointing at B's contact").isEqualTo("23503");
        assertThat(sqlState(() -> as(login, service, false,
                c -> value(c, INSERT_NOTIFICATION, orgA, annId(), appointmentB, "appointment"))))
                .as("insert pointing at B's appointment").isEqualTo("23503");

        // A valid notification moved to B's rows: by its id, by its type, or both at once.
        UUID own = UUID.fromString(as(login, service, true, c -> value(c, INSERT_NOTIFICATION, orgA, annId(), contactA, "contact")));
        UUID call = UUID.fromString(as(login, service, true, c -> value(c, INSERT_NOTIFICATION, orgA, annId(), contactB, "call")));
        assertThat(sqlState(() -> as(login, service, false, c -> execute(c,
                "update public.notifications set related_entity_id = ? where id = ?", contactB, own))))
                .as("update of the id to B's contact").isEqualTo("23503");
        assertThat(sqlState(() -> as(login, service, false, c -> execute(c,
                "update public.notifications set related_entity_id = ?, related_entity_type = 'appointment' where id = ?",
                appointmentB, own)))).as("update of id and type to B's appointment").isEqualTo("23503");
        assertThat(sqlState(() -> as(login, service, false, c -> execute(c,
                "update public.notifications set related_entity_type = 'contact' where id = ?", call))))
                .as("update of the type only, the id being B's contact").isEqualTo("23503");
        assertThat(sqlState(() -> as(login, service, false, c -> execute(c,
                "update public.notifications set org_id = ?, user_id = ? where id = ?", orgB, bobId, own))))
                .as("moving A's notification, pointing at A's contact, to B (org_id is immutable)").isEqualTo("VX002");
        assertThat(adminColumn(admin, "select related_entity_id || ' ' || related_entity_type from public.notifications"
                + " where id in (?, ?) order by related_entity_type", own, call))
                .containsExactly(contactB + " call", contactA + " contact");
    }

    @Test
    void theServiceRoleCannotSwitchTheCheckOff() {
        RequestClaims service = RequestClaims.service();
        for (String sql : List.of("set local session_replication_role = replica",
                "alter table public.notifications disable trigger user_in_org_notifications",
                "alter table public.notifications disable trigger all",
                "drop trigger user_in_org_notifications on public.notifications")) {
            assertThat(sqlState(() -> as(login, service, false, c -> execute(c, sql)))).as(sql).isEqualTo("42501");
        }
    }

    @Test
    void notificationsOfTheSameOrganizationsRowsAndOfOtherTypesWork() throws SQLException {
        for (RequestClaims caller : List.of(ann, RequestClaims.service())) {
            for (Object[] target : new Object[][] {{contactA, "contact"}, {appointmentA, "appointment"},
                    {UUID.randomUUID(), "call"}, {UUID.randomUUID(), "system"}, {contactB, "call"}}) {
                String id = as(login, caller, true,
                        c -> value(c, CREATE_NOTIFICATION, orgA, annId(), target[0], target[1]));
                assertThat(adminColumn(admin, "select related_entity_id || ' ' || related_entity_type"
                        + " from public.notifications where id = ?::uuid", id))
                        .as("%s: %s", caller.role(), target[1]).containsExactly(target[0] + " " + target[1]);
            }
        }
        String direct = as(login, RequestClaims.service(), true,
                c -> value(c, INSERT_NOTIFICATION, orgA, annId(), appointmentA, "appointment"));
        assertThat(direct).as("a direct insert by the service role pointing at A's appointment").isNotNull();
    }

    private static void assertEchoesNoId(SQLException e, UUID id) {
        ServerErrorMessage m = ((PSQLException) e).getServerErrorMessage();
        for (String text : new String[] {e.getMessage(), m.getMessage(), m.getDetail(), m.getHint(), m.getWhere()}) {
            if (text != null) {
                assertThat(text).as("error text").doesNotContain(id.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // acting user
    // ---------------------------------------------------------------------------------------------

    /** Claims of organization A acting as authenticated without a user. */
    private static String claimsWithoutSub() {
        return "{\"role\":\"authenticated\",\"app_metadata\":{\"org_id\":\"" + orgA + "\"}}";
    }

    /** Claims of organization A acting as authenticated with an empty user. */
    private static String claimsWithEmptySub() {
        return "{\"sub\":\"\",\"role\":\"authenticated\",\"app_metadata\":{\"org_id\":\"" + orgA + "\"}}";
    }

    /** The writes an authenticated user of A may make, each with a label. */
    private static String[][] writesOfA() {
        return new String[][] {
            {"insert into public.contacts (org_id, name) values ('" + orgA + "', 'Nobody')", "insert contact"},
            {"update public.contacts set name = 'Nobody' where id = '" + contactA + "'", "update contact"},
            {"delete from public.contacts where id = '" + contactA + "'", "delete contact"},
            {"insert into public.appointments (org_id, contact_id, service_type, scheduled_at) values ('" + orgA
                    + "', '" + contactA + "', 'filler', now() + interval '2 days')", "insert appointment"},
            {"update public.appointments set status = 'cancelled' where id = '" + appointmentA + "'", "update appointment"},
            {"delete from public.appointments where id = '" + appointmentA + "'", "delete appointment"},
            {"select public.create_notification('" + orgA + "', '" + annId() + "', 'hot_lead', 'Lead', 'A lead called')",
                    "create_notification"},
        };
    }

    /**
     * Runs {@code sql} as authenticated with {@code claims}, after setting the per-claim setting
     * {@code request.jwt.claim.sub} to {@code claimSub} when not null; rolled back; its SQLSTATE.
     */
    private static String attemptAs(String claims, String claimSub, String sql) {
        return sqlState(() -> asRaw(login, "authenticated", claims, false, c -> {
            if (claimSub != null) {
                value(c, "select set_config('request.jwt.claim.sub', ?, true)", claimSub);
            }
            return execute(c, sql);
        }));
    }

    @Test
    void aWriteAsAuthenticatedWithoutAUserIsRefused() throws SQLException {
        for (String[] write : writesOfA()) {
            assertThat(attemptAs(claimsWithoutSub(), null, write[0])).as("%s without sub", write[1]).isEqualTo("42501");
            // The per-claim setting PostgREST once set, and a session may still carry: '' reads as unset.
            assertThat(attemptAs(claimsWithoutSub(), "", write[0])).as("%s with request.jwt.claim.sub = ''", write[1])
                    .isEqualTo("42501");
            // sub '' in the claims is no uuid: auth.uid() and auth_user_id() both fail on it (22P02) before
            // anything is written.
            assertThat(attemptAs(claimsWithEmptySub(), null, write[0])).as("%s with sub ''", write[1]).isEqualTo("22P02");
        }
        for (String claims : List.of(claimsWithoutSub(), claimsWithEmptySub())) {
            // A notification is visible and updatable only to its user: with no user the update finds no
            // row (or fails on the empty sub), so nothing is written that the trail could not attribute.
            assertThat(sqlState(() -> asRaw(login, "authenticated", claims, false, c -> {
                assertThat(execute(c, "update public.notifications set status = 'read' where id = ?", notificationOfAnn))
                        .as("notifications updated with %s", claims).isZero();
                return null;
            }))).isIn(SUCCESS, "22P02");
        }
        assertThat(adminColumn(admin, "select count(*)::text from public.audit_logs where authenticated_user is null"
                + " and database_user = 'authenticated'")).containsExactly("0");
        assertThat(adminColumn(admin, "select name from public.contacts where id = ?", contactA)).containsExactly("Pat");
    }

    @Test
    void aWriteWithAUserIsAuditedAsThatUserAndTheServiceRoleNeedsNone() throws SQLException {
        String byAnn = as(login, ann, true,
                c -> value(c, "insert into public.contacts (org_id, name) values (?, 'Named') returning id::text", orgA));
        as(login, ann, true, c -> execute(c, "update public.notifications set status = 'read' where id = ?", notificationOfAnn));
        assertThat(adminColumn(admin, "select authenticated_user::text from public.audit_logs"
                + " where table_name = 'contacts' and operation = 'INSERT' and row_data ->> 'id' = ?", byAnn))
                .containsExactly(annId().toString());
        assertThat(adminColumn(admin, "select authenticated_user::text from public.audit_logs"
                + " where table_name = 'notifications' and operation = 'UPDATE' and row_data ->> 'id' = ?",
                notificationOfAnn.toString())).containsExactly(annId().toString());

        String byService = as(login, RequestClaims.service(orgA), true,
                c -> value(c, "insert into public.contacts (org_id, name) values (?, 'Backend') returning id::text", orgA));
        as(login, RequestClaims.service(), true,
                c -> execute(c, "update public.appointments set status = 'confirmed' where id = ?", appointmentA));
        assertThat(adminColumn(admin, "select coalesce(authenticated_user::text, 'none') || ' ' || database_user"
                + " from public.audit_logs where table_name = 'contacts' and row_data ->> 'id' = ?", byService))
                .containsExactly("none service_role");
    }

    /** Without V14 both attacks work: the test above could not pass whatever the database did. */
    @Test
    void withoutV14BothAttacksWork() throws SQLException {
        try (TestDatabase db = PrivilegeAttackSupport.freshMigratedDatabase()) {
            PrivilegeAttackSupport.schema(db).rollbackTo("13", false);
            UUID a = PrivilegeAttackSupport.organization(db.adminDataSource(), "Clinic A");
            UUID b = PrivilegeAttackSupport.organization(db.adminDataSource(), "Clinic B");
            UUID annOfA = PrivilegeAttackSupport.user(db.adminDataSource(), a);
            String contactOfB = as(db.loginDataSource(), RequestClaims.service(), true,
                    c -> value(c, "insert into public.contacts (org_id, name) values (?, 'Pat') returning id::text", b));

            assertThat(sqlState(() -> as(db.loginDataSource(), RequestClaims.service(), true,
                    c -> value(c, CREATE_NOTIFICATION, a, annOfA, UUID.fromString(contactOfB), "contact"))))
                    .as("a notification of A pointing at B's contact, without V14").isEqualTo(SUCCESS);

            String unnamed = asRaw(db.loginDataSource(), "authenticated",
                    "{\"role\":\"authenticated\",\"app_metadata\":{\"org_id\":\"" + a + "\"}}", true,
                    c -> value(c, "insert into public.contacts (org_id, name) values (?, 'Nobody') returning id::text", a));
            assertThat(adminColumn(db.adminDataSource(), "select coalesce(authenticated_user::text, 'none')"
                    + " from public.audit_logs where table_name = 'contacts' and row_data ->> 'id' = ?", unnamed))
                    .as("the audit row of a write without sub, without V14").containsExactly("none");
        }
    }
}
