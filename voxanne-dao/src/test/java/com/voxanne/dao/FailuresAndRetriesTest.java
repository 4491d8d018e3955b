package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.schema.session.ApiRole;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Failures a caller can act on: a connection lost while a unit's commit was on its way leaves the outcome
 * unknown and says so; one lost earlier, or a server error at commit, does not; and a create with a
 * caller-chosen id, retried after an unknown outcome, leaves exactly one row.
 *
 * <p>The lost commit is made deterministic with a deferred constraint trigger that sleeps (once: a
 * sequence, which a rollback does not undo, counts its calls) while the unit commits; the test terminates
 * that backend from an admin connection while it sleeps.
 */
@VoxannePostgres
class FailuresAndRetriesTest {

    private static final OffsetDateTime NINE = OffsetDateTime.now(ZoneOffset.UTC).plusDays(3).truncatedTo(ChronoUnit.DAYS)
            .plusHours(9);

    private TestDatabase db;
    private DSLContext admin;
    private HikariDataSource pool;
    private Voxanne voxanne;
    private OrgContext annInA;
    private OrgContext bobInB;
    private LostCommits lostCommits;

    @BeforeEach
    void setUp(TestDatabase db, @Admin DSLContext admin, Tenants tenants) {
        this.db = db;
        this.admin = admin;
        User ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        User bob = tenants.organization("Clinic B " + UUID.randomUUID()).user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
        lostCommits = new LostCommits(admin, db.server().loginRole());
        pool = ConnectionHygieneTest.loginPool(db, 2, true);
        voxanne = Voxanne.create(pool);
    }

    @AfterEach
    void tearDown() {
        lostCommits.close("contacts", "appointments");
        pool.close();
    }

    private static void assertOutcome(Throwable thrown, boolean unknown) {
        assertThat(thrown).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
            assertThat(e.sqlState()).as("a lost connection").matches("08...|57P0[123]");
            assertThat(e.outcomeUnknown()).as("outcomeUnknown, %s", e.getMessage()).isEqualTo(unknown);
        });
    }

    private int rowsWithId(String table, UUID id) {
        return admin.fetchCount(DSL.table(DSL.name("public", table)), DSL.field(DSL.name("id")).eq(id));
    }

    @Test
    void aContactCreateWhoseConnectionIsLostDuringItsCommitIsUnknownAndItsRetryWithTheSameIdLeavesOneRow()
            throws Exception {
        DatabaseKind.assumeOneServer(pool, "on a distributed database the commit is a two-phase commit the coordinator drives and this trigger sleeps on a worker; CitusLostCommitTest covers a commit lost there, CitusCommitFailureTest one the worker refuses");
        lostCommits.nextCommitSleepsOn("contacts");
        UUID id = UUID.randomUUID();
        NewContact ann = NewContact.named("Ann").phone("+12125550170").id(id);
        // a call of its own: begin, binding, insert and commit in one round trip
        assertOutcome(lostCommits.killedWhileSleeping(() -> voxanne.contacts(annInA).create(ann)), true);

        Contact created = voxanne.contacts(annInA).create(ann);
        Contact again = voxanne.contacts(annInA).create(ann);
        assertThat(created.id()).isEqualTo(id);
        assertThat(again).isEqualTo(created);
        assertThat(rowsWithId("contacts", id)).isEqualTo(1);
    }

    @Test
    void aBookingWhoseConnectionIsLostDuringItsCommitIsUnknownAndItsRetryWithTheSameIdLeavesOneRow()
            throws Exception {
        DatabaseKind.assumeOneServer(pool, "on a distributed database the commit is a two-phase commit the coordinator drives and this trigger sleeps on a worker; CitusLostCommitTest covers a commit lost there, CitusCommitFailureTest one the worker refuses");
        Contact ann = voxanne.contacts(annInA).create(NewContact.named("Ann"));
        lostCommits.nextCommitSleepsOn("appointments");
        UUID id = UUID.randomUUID();
        // a transaction: the commit is a round trip of its own
        assertOutcome(lostCommits.killedWhileSleeping(() -> voxanne.inOrg(annInA,
                tx -> tx.appointments().book(ann.id(), ServiceType.BOTOX, NINE, Duration.ofMinutes(30), id))), true);

        Appointment booked = voxanne.appointments(annInA).book(ann.id(), ServiceType.BOTOX, NINE, Duration.ofMinutes(30), id);
        Appointment again = voxanne.appointments(annInA).book(ann.id(), ServiceType.BOTOX, NINE, Duration.ofMinutes(30), id);
        assertThat(booked.id()).isEqualTo(id);
        assertThat(again).as("not a double booking: the same booking").isEqualTo(booked);
        assertThat(rowsWithId("appointments", id)).isEqualTo(1);
    }

    /** Control: the same lost connection before the commit was sent is a known rollback. */
    @Test
    void aConnectionLostBeforeTheCommitIsAKnownRollback() throws Exception {
        UUID id = UUID.randomUUID();
        assertOutcome(lostCommits.killedWhileSleeping(() -> voxanne.inOrg(annInA, tx -> {
            tx.contacts().create(NewContact.named("Ann").id(id));
            return tx.dsl().execute("select pg_sleep(30)");
        })), false);
        assertThat(rowsWithId("contacts", id)).isZero();
    }

    /** Control: a server error in reply to the commit (a deferred check refusing at commit) is a known rollback. */
    @Test
    void aCommitTheServerRefusesIsAKnownRollback() {
        admin.execute("""
                create or replace function public.test_refuse_at_commit() returns trigger language plpgsql as $$
                begin
                  raise exception 'refused at commit' using errcode = 'P0001';
                end $$""");
        admin.execute("create constraint trigger test_refuse_at_commit after insert on public.contacts"
                + " deferrable initially deferred for each row execute function public.test_refuse_at_commit()");
        try {
            UUID single = UUID.randomUUID();
            UUID inTransaction = UUID.randomUUID();
            for (Executable call : List.<Executable>of(
                    () -> voxanne.contacts(annInA).create(NewContact.named("Ann").id(single)),
                    () -> voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named("Ann").id(inTransaction))))) {
                assertThat(catchThrowable(call::execute)).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo("P0001");
                    assertThat(e.outcomeUnknown()).isFalse();
                });
            }
            assertThat(rowsWithId("contacts", single) + rowsWithId("contacts", inTransaction)).isZero();
        } finally {
            admin.execute("drop trigger test_refuse_at_commit on public.contacts");
        }
    }

    /** Control: a statement timeout is a known rollback. */
    @Test
    void aStatementTimeoutIsAKnownRollback() {
        Voxanne impatient = Voxanne.builder(pool).statementTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300)).build();
        assertThat(catchThrowable(() -> impatient.inOrg(annInA, tx -> tx.dsl().execute("select pg_sleep(5)"))))
                .isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo("57014");
                    assertThat(e.outcomeUnknown()).isFalse();
                });
    }

    @Test
    void aCreateWithAnIdOfThisOrganizationReturnsThatContactAsItIs() {
        UUID id = UUID.randomUUID();
        Contact first = voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550171").id(id));
        Contact retried = voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named("Someone else").id(id)));
        assertThat(retried).isEqualTo(first);
        assertThat(rowsWithId("contacts", id)).isEqualTo(1);
    }

    /** Without an id a retry is refused by the phone's uniqueness; with a new id too: the phone is taken. */
    @Test
    void thePhonesUniquenessStillRefusesAnotherContactWithTheSamePhone() {
        voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550172").id(UUID.randomUUID()));
        assertThatThrownBy(() -> voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550172")))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).create(
                NewContact.named("Ann").phone("+12125550172").id(UUID.randomUUID())))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
    }

    /** Attack: learn about, read or overwrite another clinic's row by creating with its id. */
    @Test
    void anIdOfAnotherOrganizationIsRefusedLikeACollisionAndTellsNothingElse() {
        DatabaseKind.assumeOneServer(pool, "ids are unique per clinic on a distributed database (ADR 0021): there another clinic's id makes the caller's own row, which RandomizedIsolationTest's model checks");
        Contact ann = voxanne.contacts(annInA).create(NewContact.named(PatientMarkers.NAME).phone(PatientMarkers.PHONE));
        Appointment visit = voxanne.appointments(annInA).book(ann.id(), ServiceType.BOTOX, NINE, Duration.ofMinutes(30));
        Contact bobs = voxanne.contacts(bobInB).create(NewContact.named("Bob's own"));

        for (Executable attempt : List.<Executable>of(
                () -> voxanne.contacts(bobInB).create(NewContact.named("Bob").id(ann.id())),
                () -> voxanne.inOrg(bobInB, tx -> tx.contacts().create(NewContact.named("Bob").id(ann.id()))))) {
            assertThat(catchThrowable(attempt::execute)).isInstanceOfSatisfying(DuplicateException.class, e -> {
                assertThat(e.constraint()).isEqualTo("contacts_pkey");
                assertThat(e.getMessage()).doesNotContain(annInA.organizationId().toString());
                PatientMarkers.assertClean(e);
            });
        }
        assertThat(catchThrowable(() -> voxanne.appointments(bobInB)
                .book(bobs.id(), ServiceType.FILLER, NINE.plusDays(1), Duration.ofMinutes(15), visit.id())))
                .isInstanceOfSatisfying(DuplicateException.class, e -> {
                    assertThat(e.constraint()).isEqualTo("appointments_pkey");
                    assertThat(e.getMessage()).doesNotContain(annInA.organizationId().toString());
                });
        // the same as a random id's collision would be: the row is untouched and Bob has nothing new
        assertThat(voxanne.contacts(annInA).get(ann.id())).isEqualTo(ann);
        assertThat(voxanne.appointments(annInA).get(visit.id())).isEqualTo(visit);
        assertThat(voxanne.contacts(bobInB).list(ContactQuery.all()).items()).containsExactly(bobs);
        assertThat(voxanne.appointments(bobInB).upcoming(10)).isEmpty();
        // control: a fresh id books
        assertThat(voxanne.appointments(bobInB)
                .book(bobs.id(), ServiceType.FILLER, NINE.plusDays(1), Duration.ofMinutes(15), UUID.randomUUID()))
                .extracting(Appointment::organizationId).isEqualTo(bobInB.organizationId());
    }

    @Test
    void aBookingNeedsItsIdAndAnImportUsesTheIdsGiven() {
        Contact ann = voxanne.contacts(annInA).create(NewContact.named("Ann"));
        assertThatThrownBy(() -> voxanne.appointments(annInA).book(ann.id(), ServiceType.BOTOX, NINE, Duration.ofMinutes(30), null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("appointmentId"));
        UUID chosen = UUID.randomUUID();
        assertThat(voxanne.contacts(annInA).importAll(List.of(NewContact.named("Cy").id(chosen), NewContact.named("Di"))))
                .extracting(Contact::id).first().isEqualTo(chosen);
    }
}
