package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * create_notification's caller-chosen id (p_id, V15): a repeated create with the same id of the same
 * organization and user returns that id and changes nothing (one row, one audit row, one NOTIFY); an id
 * that another user's or organization's notification has is refused as a colliding random id would be,
 * with the same error whatever that notification is; the caller checks still come first.
 */
class NotificationCallerIdTest {

    private static final RequestClaims SERVICE = RequestClaims.service();
    private static final String CREATE_WITH_ID = "select public.create_notification(?, ?, 'hot_lead'::public.notification_type,"
            + " ?, 'Call back', p_id => ?)::text";

    private static TestDatabase db;
    private static UUID orgA;
    private static UUID orgB;
    private static UUID alice;
    private static UUID colleague;
    private static UUID bob;

    @BeforeAll
    static void twoClinics() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        orgA = SchemaTestSupport.organization(db, "Clinic A");
        orgB = SchemaTestSupport.organization(db, "Clinic B");
        alice = SchemaTestSupport.user(db, orgA);
        colleague = SchemaTestSupport.user(db, orgA);
        bob = SchemaTestSupport.user(db, orgB);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    private static UUID create(RequestClaims caller, UUID org, UUID user, String title, UUID id) throws SQLException {
        return UUID.fromString(column(db, caller, CREATE_WITH_ID, org, user, title, id).get(0));
    }

    private static String row(UUID id) throws SQLException {
        return String.join("|", adminColumn(db, "select org_id || ' ' || user_id || ' ' || title || ' ' || status"
                + " || ' ' || created_at from public.notifications where id = ?", id));
    }

    private static int auditedInserts(UUID id) throws SQLException {
        return Integer.parseInt(adminColumn(db, "select count(*)::text from public.audit_logs where table_name = 'notifications'"
                + " and operation = 'INSERT' and row_data ->> 'id' = ?", id.toString()).get(0));
    }

    private static int notifications(String where, Object... params) throws SQLException {
        return Integer.parseInt(adminColumn(db, "select count(*)::text from public.notifications where " + where, params).get(0));
    }

    private static List<String> payloads(Connection listener, int millis) throws SQLException {
        List<String> payloads = new ArrayList<>();
        PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(millis);
        if (received != null) {
            for (PGNotification n : received) {
                payloads.add(n.getParameter());
            }
        }
        return payloads;
    }

    @Test
    void theSameIdAgainReturnsTheFirstNotificationUnchangedWithOneAuditRowAndOneNotify() throws SQLException {
        // the service for a user; a user for a colleague, whose notification it cannot read
        RequestClaims[] callers = {SERVICE, RequestClaims.user(orgA, alice)};
        UUID[] recipients = {alice, colleague};
        for (int i = 0; i < callers.length; i++) {
            try (Connection listener = db.loginDataSource().getConnection(); Statement s = listener.createStatement()) {
                s.execute("listen voxanne_notifications");
                UUID id = UUID.randomUUID();

                assertThat(create(callers[i], orgA, recipients[i], "First", id)).isEqualTo(id);
                String first = row(id);
                assertThat(create(callers[i], orgA, recipients[i], "Retry", id)).as("a retry").isEqualTo(id);
                assertThat(create(callers[i], orgA, recipients[i], "Retry", id)).as("and another").isEqualTo(id);

                assertThat(notifications("id = ?", id)).isEqualTo(1);
                assertThat(row(id)).as("the first attempt's row, as it was").isEqualTo(first).contains(" First ");
                assertThat(auditedInserts(id)).isEqualTo(1);
                List<String> received = payloads(listener, 2_000);
                received.addAll(payloads(listener, 500));
                assertThat(received).as("one NOTIFY").singleElement().asString().contains(id.toString(), "INSERT");
            }
        }
    }

    /** The error a taken id gets, in every part the server sends. */
    private static String refusal(RequestClaims caller, UUID org, UUID user, UUID id) {
        PSQLException e = catchThrowableOfType(() -> create(caller, org, user, "Attack", id), PSQLException.class);
        assertThat((Throwable) e).as("refused: %s for %s in %s", caller, user, org).isNotNull();
        ServerErrorMessage m = e.getServerErrorMessage();
        assertThat(e.getSQLState()).isEqualTo("23505");
        assertThat(m.getConstraint()).isEqualTo("notifications_pkey");
        assertThat(m.getDetail()).as("no detail").isNull();
        assertThat(m.getHint()).isNull();
        assertThat(m.getMessage()).isEqualTo("duplicate key value violates unique constraint \"notifications_pkey\"");
        return String.join("|", m.getSQLState(), m.getMessage(), m.getConstraint(), m.getTable(), m.getSchema(),
                String.valueOf(m.getColumn()), String.valueOf(m.getDatatype()), String.valueOf(m.getDetail()),
                String.valueOf(m.getHint()), String.valueOf(m.getWhere()), String.valueOf(m.getInternalQuery()));
    }

    /** Attack: reuse another user's or another organization's notification id to learn about it or change it. */
    @Test
    void anIdOfAnotherUsersOrOrganizationsNotificationIsRefusedLikeACollisionAndChangesNothing() throws SQLException {
        UUID alices = create(SERVICE, orgA, alice, "Alice's", UUID.randomUUID());
        UUID bobs = create(SERVICE, orgB, bob, "Bob's", UUID.randomUUID());
        String alicesRow = row(alices);
        String bobsRow = row(bobs);
        int colleagues = notifications("user_id = ?", colleague);
        int bobsAll = notifications("user_id = ?", bob);

        List<String> errors = List.of(
                refusal(RequestClaims.user(orgB, bob), orgB, bob, alices),            // another organization's, by a user
                refusal(SERVICE, orgB, bob, alices),                                  // ... by the service
                refusal(RequestClaims.user(orgA, alice), orgA, colleague, alices),    // the same organization, another user
                refusal(SERVICE, orgA, colleague, alices),
                refusal(RequestClaims.user(orgA, colleague), orgA, colleague, alices),
                refusal(RequestClaims.user(orgA, alice), orgA, alice, bobs),          // Bob's, from the other side
                refusal(SERVICE, orgA, alice, bobs));
        assertThat(errors).as("one error, whatever the other notification is").containsOnly(errors.get(0));
        assertThat(errors.get(0)).doesNotContain(orgA.toString(), orgB.toString(), alice.toString(), bob.toString(),
                "Alice", "Bob");

        assertThat(row(alices)).isEqualTo(alicesRow);
        assertThat(row(bobs)).isEqualTo(bobsRow);
        assertThat(auditedInserts(alices)).isEqualTo(1);
        assertThat(auditedInserts(bobs)).isEqualTo(1);
        assertThat(notifications("user_id = ?", colleague)).isEqualTo(colleagues);
        assertThat(notifications("user_id = ?", bob)).isEqualTo(bobsAll);

        // control: a fresh id creates, for either of them
        UUID fresh = UUID.randomUUID();
        assertThat(create(RequestClaims.user(orgB, bob), orgB, bob, "Bob's own", fresh)).isEqualTo(fresh);
        assertThat(notifications("id = ? and user_id = ?", fresh, bob)).isEqualTo(1);
    }

    /** The caller checks come before the id is looked at: a taken id tells a refused caller nothing more. */
    @Test
    void aCallerRefusedBeforeIsRefusedTheSameWithATakenId() throws SQLException {
        UUID alices = create(SERVICE, orgA, alice, "Alice's", UUID.randomUUID());
        for (UUID id : new UUID[] {alices, UUID.randomUUID()}) {
            PSQLException otherOrg = catchThrowableOfType(
                    () -> create(RequestClaims.user(orgB, bob), orgA, alice, "Attack", id), PSQLException.class);
            assertThat(otherOrg.getSQLState()).isEqualTo("42501");
            assertThat(otherOrg.getServerErrorMessage().getMessage())
                    .isEqualTo("create_notification: a user may only notify within its own organization");
            PSQLException notMember = catchThrowableOfType(
                    () -> create(SERVICE, orgA, bob, "Attack", id), PSQLException.class);
            assertThat(notMember.getSQLState()).isEqualTo("42501");
            assertThat(notMember.getServerErrorMessage().getMessage()).contains("is not a member of organization");
            PSQLException anon = catchThrowableOfType(
                    () -> create(RequestClaims.anonymous(), orgA, alice, "Attack", id), PSQLException.class);
            assertThat(anon.getSQLState()).isEqualTo("42501");
        }
        assertThat(notifications("title = 'Attack'")).isZero();
    }

    /**
     * Two creates with the same id at once: the second waits for the first and then returns its id if the
     * first committed (another recipient's: 23505), or creates the notification if the first rolled back.
     */
    @ParameterizedTest(name = "first commits: {0}")
    @ValueSource(booleans = {true, false})
    void aConcurrentCreateWithTheSameIdWaitsForTheFirst(boolean firstCommits) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection first = db.loginDataSource().getConnection();
             Connection same = db.loginDataSource().getConnection();
             Connection other = db.loginDataSource().getConnection()) {
            for (Connection c : List.of(first, same, other)) {
                c.setAutoCommit(false);
                RequestBinding.bind(c, SERVICE);
            }
            assertThat(column(first, CREATE_WITH_ID, orgA, alice, "First", id)).containsExactly(id.toString());
            CompletableFuture<String> retry = CompletableFuture.supplyAsync(() -> outcome(same, alice, id));
            CompletableFuture<String> foreign = CompletableFuture.supplyAsync(() -> outcome(other, colleague, id));
            Thread.sleep(300);
            assertThat(retry).as("waits for the first").isNotDone();
            assertThat(foreign).as("waits for the first").isNotDone();
            if (firstCommits) {
                first.commit();
            } else {
                first.rollback();
            }
            // the one that goes on first holds the row until it commits; the other waits for that
            CompletableFuture.anyOf(retry, foreign).get(10, TimeUnit.SECONDS);
            boolean retryFirst = retry.isDone();
            (retryFirst ? same : other).commit();
            String retried = retry.get(10, TimeUnit.SECONDS);
            String refused = foreign.get(10, TimeUnit.SECONDS);
            (retryFirst ? other : same).commit();
            if (firstCommits) {
                assertThat(retried).isEqualTo(id.toString());
                assertThat(refused).isEqualTo("23505");
                assertThat(row(id)).contains(" First ");
            } else {
                // one of the two waiting creates inserts; the other then finds it and answers as above
                assertThat(List.of(retried, refused)).containsAnyOf(id.toString());
                assertThat(notifications("id = ?", id)).isEqualTo(1);
                String owner = adminColumn(db, "select user_id::text from public.notifications where id = ?", id).get(0);
                assertThat(owner.equals(alice.toString()) ? refused : retried).isEqualTo("23505");
            }
            assertThat(notifications("id = ?", id)).isEqualTo(1);
            assertThat(auditedInserts(id)).isEqualTo(1);
        }
    }

    /** The id create_notification returned on {@code c}, or the SQLSTATE it failed with. */
    private static String outcome(Connection c, UUID user, UUID id) {
        try {
            return column(c, CREATE_WITH_ID, orgA, user, "Concurrent", id).get(0);
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void theFunctionKeepsItsPropertiesAndGrants() throws SQLException {
        assertThat(adminColumn(db, "select p.oid::regprocedure::text || ' ' || p.prosecdef || ' ' || p.proconfig::text"
                + " from pg_proc p where p.proname = 'create_notification'")).containsExactly(
                "create_notification(uuid,uuid,notification_type,text,text,uuid,text,notification_priority,text,jsonb,"
                        + "timestamp with time zone,uuid) true {\"search_path=pg_catalog, pg_temp\"}");
        assertThat(adminColumn(db, "select r.rolname || '=' || has_function_privilege(r.oid, p.oid, 'execute')"
                + " from pg_proc p, pg_roles r where p.proname = 'create_notification'"
                + " and r.rolname in ('anon', 'authenticated', 'service_role', ?)",
                db.server().loginRole())).containsExactlyInAnyOrder("anon=false", "authenticated=true",
                db.server().loginRole() + "=false", "service_role=true");
    }
}
