package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A notification created with a caller-chosen id ({@link NewNotification#id}) is safe to retry: after a
 * connection lost during its commit (outcome unknown) the retry leaves exactly one notification, and a
 * repeated create returns the first one unchanged; an id another organization's or another recipient's
 * notification has is refused as a colliding random id and changes nothing.
 *
 * <p>The lost commit is made as in {@link FailuresAndRetriesTest}: a deferred constraint trigger sleeps
 * once while the unit commits, and the test terminates that backend from an admin connection.
 */
@VoxannePostgres
class NotificationRetriesTest {

    private TestDatabase db;
    private DSLContext admin;
    private HikariDataSource pool;
    private Voxanne voxanne;
    private OrgContext annInA;
    private OrgContext cyInA;
    private OrgContext bobInB;
    private LostCommits lostCommits;

    @BeforeEach
    void setUp(TestDatabase db, @Admin DSLContext admin, Tenants tenants) {
        this.db = db;
        this.admin = admin;
        String clinicA = "Clinic A " + UUID.randomUUID();
        User ann = tenants.organization(clinicA).user("ann");
        User cy = tenants.organization(clinicA).user("cy");
        User bob = tenants.organization("Clinic B " + UUID.randomUUID()).user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        cyInA = OrgContext.of(cy.organization().id(), cy.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
        lostCommits = new LostCommits(admin, db.server().loginRole());
        pool = ConnectionHygieneTest.loginPool(db, 2, true);
        voxanne = Voxanne.create(pool);
    }

    @AfterEach
    void tearDown() {
        lostCommits.close("notifications");
        pool.close();
    }

    private static NewNotification lead(String title) {
        return NewNotification.of(NotificationType.HOT_LEAD, title, "Call back today");
    }

    private int rowsWithId(UUID id) {
        return admin.fetchCount(DSL.table(DSL.name("public", "notifications")), DSL.field(DSL.name("id")).eq(id));
    }

    private int auditedInserts(UUID id) {
        return admin.fetchCount(DSL.table(DSL.name("public", "audit_logs")),
                DSL.field(DSL.name("table_name")).eq("notifications"), DSL.field(DSL.name("operation")).eq("INSERT"),
                DSL.field("row_data ->> 'id'", String.class).eq(id.toString()));
    }

    @Test
    void aNotificationCreateWhoseConnectionIsLostDuringItsCommitIsUnknownAndItsRetryWithTheSameIdLeavesOneRow()
            throws Exception {
        DatabaseKind.assumeOneServer(pool, "on a distributed database the commit is a two-phase commit the coordinator drives and this trigger sleeps on a worker; CitusLostCommitTest covers a commit lost there, CitusCommitFailureTest one the worker refuses");
        lostCommits.nextCommitSleepsOn("notifications");
        UUID id = UUID.randomUUID();
        NewNotification lead = lead("Hot lead").id(id);
        // a call of its own: begin, binding, the function call and commit in one round trip
        assertThat(lostCommits.killedWhileSleeping(() -> voxanne.notifications(annInA).create(cyInA.userId(), lead)))
                .isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
                    assertThat(e.sqlState()).as("a lost connection").matches("08...|57P0[123]");
                    assertThat(e.outcomeUnknown()).as("outcomeUnknown, %s", e.getMessage()).isTrue();
                });

        assertThat(voxanne.notifications(annInA).create(cyInA.userId(), lead)).isEqualTo(id);
        assertThat(voxanne.notifications(annInA).create(cyInA.userId(), lead)).as("and once more").isEqualTo(id);
        assertThat(rowsWithId(id)).isEqualTo(1);
        assertThat(auditedInserts(id)).isEqualTo(1);
        assertThat(voxanne.notifications(cyInA).get(id).title()).isEqualTo("Hot lead");
    }

    @Test
    void aCreateWithAnIdOfThisRecipientReturnsThatNotificationAsItIs() {
        UUID id = UUID.randomUUID();
        assertThat(voxanne.notifications(annInA).create(annInA.userId(), lead("First").id(id))).isEqualTo(id);
        Notification first = voxanne.notifications(annInA).get(id);
        UUID retried = voxanne.inOrg(annInA, tx -> tx.notifications().create(annInA.userId(), lead("Other").id(id)));
        assertThat(retried).isEqualTo(id);
        assertThat(voxanne.notifications(annInA).get(id)).isEqualTo(first);
        assertThat(rowsWithId(id)).isEqualTo(1);
        assertThat(auditedInserts(id)).isEqualTo(1);
        // a create without an id still picks one of its own
        assertThat(voxanne.notifications(annInA).create(annInA.userId(), lead("Second"))).isNotEqualTo(id);
    }

    /** Attack: learn about, read or overwrite another clinic's or another user's notification by creating with its id. */
    @Test
    void anIdOfAnotherOrganizationOrRecipientIsRefusedLikeACollisionAndChangesNothing() {
        DatabaseKind.assumeOneServer(pool, "ids are unique per clinic on a distributed database (ADR 0021): there another clinic's id makes the caller's own row, which RandomizedIsolationTest's model checks");
        UUID annsId = voxanne.notifications(annInA).create(annInA.userId(),
                NewNotification.of(NotificationType.HOT_LEAD, PatientMarkers.NAME, PatientMarkers.PHONE));
        Notification anns = voxanne.notifications(annInA).get(annsId);

        for (Executable attempt : List.<Executable>of(
                () -> voxanne.notifications(bobInB).create(bobInB.userId(), lead("Bob").id(annsId)),
                () -> voxanne.inOrg(bobInB, tx -> tx.notifications().create(bobInB.userId(), lead("Bob").id(annsId))),
                () -> voxanne.notifications(annInA).create(cyInA.userId(), lead("For Cy").id(annsId)),
                () -> voxanne.notifications(cyInA).create(cyInA.userId(), lead("Cy's").id(annsId)))) {
            assertThat(catchThrowable(attempt::execute)).isInstanceOfSatisfying(DuplicateException.class, e -> {
                assertThat(e.constraint()).isEqualTo("notifications_pkey");
                assertThat(e.getMessage()).doesNotContain(annInA.organizationId().toString(),
                        annInA.userId().toString());
                PatientMarkers.assertClean(e);
            });
        }
        // as a random id's collision would be: Ann's notification is untouched, Bob and Cy have nothing new
        assertThat(voxanne.notifications(annInA).get(annsId)).isEqualTo(anns);
        assertThat(auditedInserts(annsId)).isEqualTo(1);
        assertThat(voxanne.notifications(bobInB).list(NotificationQuery.all()).items()).isEmpty();
        assertThat(voxanne.notifications(cyInA).list(NotificationQuery.all()).items()).isEmpty();

        // control: fresh ids create, for each of them
        UUID bobsId = UUID.randomUUID();
        UUID cysId = UUID.randomUUID();
        assertThat(voxanne.notifications(bobInB).create(bobInB.userId(), lead("Bob").id(bobsId))).isEqualTo(bobsId);
        assertThat(voxanne.notifications(annInA).create(cyInA.userId(), lead("For Cy").id(cysId))).isEqualTo(cysId);
        assertThat(voxanne.notifications(bobInB).list(NotificationQuery.all()).items()).extracting(Notification::id)
                .containsExactly(bobsId);
        assertThat(voxanne.notifications(cyInA).list(NotificationQuery.all()).items()).extracting(Notification::id)
                .containsExactly(cysId);
    }

    @Test
    void theIdIsShownByToStringAndTheTextIsNot() {
        UUID id = UUID.randomUUID();
        assertThat(NewNotification.of(NotificationType.HOT_LEAD, PatientMarkers.NAME, PatientMarkers.PHONE).id(id)
                .toString()).contains(id.toString()).doesNotContain(PatientMarkers.NAME, PatientMarkers.PHONE);
        assertThat(lead("x").id(id).priority(NotificationPriority.HIGH).id()).isEqualTo(id);
    }
}
