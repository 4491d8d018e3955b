package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Booking and creating with an id on a distributed database, as {@code authenticated}, with the guarantees
 * of one server: no double booking under concurrency (the exclusion constraint on the clinic's shard, the
 * booking lock on the clinic's worker turning the race into a clean {@link DoubleBookingException}),
 * reschedule and restore into a taken slot refused, the audit row attributed to the acting user, and an id
 * another clinic holds neither read nor overwritten (docs/citus.md, facts 26–30). Runs with
 * VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusBookingTest extends TwoClinicsTest {

    private static final OffsetDateTime NINE = OffsetDateTime.of(2031, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);
    private static final Duration HALF_HOUR = Duration.ofMinutes(30);
    private static final int THREADS = 4;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Attack: several threads book overlapping slots at once; only one may win, the others are refused typed. */
    @Test
    void ofConcurrentOverlappingBookingsExactlyOneWinsAndTheOthersAreDoubleBookings() throws Exception {
        Contact pat = voxanne.contacts(annInA).create(NewContact.named("Pat"));
        for (int round = 0; round < 3; round++) {
            OffsetDateTime slot = NINE.plusDays(round);
            CyclicBarrier barrier = new CyclicBarrier(THREADS);
            List<Future<Appointment>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                OffsetDateTime start = slot.plusMinutes(5L * t);
                results.add(pool.submit(() -> voxanne.inOrg(annInA, tx -> {
                    tx.organization(); // bound and open before the race starts
                    await(barrier);
                    return tx.appointments().book(pat.id(), ServiceType.BOTOX, start, HALF_HOUR);
                })));
            }
            List<Throwable> failures = outcomes(results);
            assertThat(failures).as("round " + round).hasSize(THREADS - 1)
                    .allSatisfy(f -> assertThat(f).isInstanceOf(DoubleBookingException.class));
            assertThat(voxanne.appointments(annInA).list(AppointmentQuery.all().from(slot).until(slot.plusDays(1))).items())
                    .hasSize(1);
        }
        // the same race through calls of their own (each its own transaction)
        OffsetDateTime slot = NINE.plusDays(7);
        CyclicBarrier barrier = new CyclicBarrier(THREADS);
        List<Future<Appointment>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            results.add(pool.submit(() -> {
                await(barrier);
                return voxanne.appointments(annInA).book(pat.id(), ServiceType.FILLER, slot, HALF_HOUR);
            }));
        }
        assertThat(outcomes(results)).hasSize(THREADS - 1)
                .allSatisfy(f -> assertThat(f).isInstanceOf(DoubleBookingException.class));
    }

    @Test
    void rescheduleAndRestoreIntoATakenSlotAreDoubleBookingsAndChangeNothing() {
        Appointments a = voxanne.appointments(annInA);
        Contact pat = voxanne.contacts(annInA).create(NewContact.named("Pat"));
        Appointment nine = a.book(pat.id(), ServiceType.BOTOX, NINE, HALF_HOUR);
        Appointment ten = a.book(pat.id(), ServiceType.BOTOX, NINE.plusHours(1), HALF_HOUR);

        assertThatThrownBy(() -> a.reschedule(ten.id(), NINE.plusMinutes(15), HALF_HOUR))
                .isInstanceOf(DoubleBookingException.class);
        assertThat(a.get(ten.id())).isEqualTo(ten);

        a.softDelete(ten.id());
        Appointment again = a.book(pat.id(), ServiceType.FILLER, NINE.plusHours(1), HALF_HOUR);
        assertThatThrownBy(() -> a.restore(ten.id())).isInstanceOf(DoubleBookingException.class);
        assertThatThrownBy(() -> a.get(ten.id())).isInstanceOf(NotFoundException.class);

        // control: into a free slot both work
        assertThat(a.reschedule(nine.id(), NINE.plusHours(3), HALF_HOUR).scheduledAt()).isAtSameInstantAs(NINE.plusHours(3));
        a.softDelete(again.id());
        assertThat(a.restore(ten.id()).deletedAt()).isNull();
        // another clinic's slot at the same time is its own
        Contact bobs = voxanne.contacts(bobInB).create(NewContact.named("Bob's"));
        assertThat(voxanne.appointments(bobInB).book(bobs.id(), ServiceType.BOTOX, NINE.plusHours(1), HALF_HOUR)
                .organizationId()).isEqualTo(bobInB.organizationId());
    }

    @Test
    void aBookingIsAuditedAsTheActingUser(@Admin DataSource admin) throws SQLException {
        Contact pat = voxanne.contacts(annInA).create(NewContact.named("Pat"));
        Appointment booked = voxanne.appointments(annInA).book(pat.id(), ServiceType.BOTOX, NINE, HALF_HOUR, UUID.randomUUID());
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select authenticated_user, claims_org_id, operation from public.audit_logs"
                     + " where org_id = ? and table_name = 'appointments' and row_data ->> 'id' = ?")) {
            ps.setObject(1, annInA.organizationId());
            ps.setString(2, booked.id().toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the booking's audit row").isTrue();
                assertThat(rs.getObject(1, UUID.class)).isEqualTo(annInA.userId());
                assertThat(rs.getObject(2, UUID.class)).isEqualTo(annInA.organizationId());
                assertThat(rs.getString(3)).isEqualTo("INSERT");
                assertThat(rs.next()).isFalse();
            }
        }
    }

    /**
     * The booking lock is held on the worker that holds the clinic's shards, so it serializes the clinic's
     * bookings whichever node they enter by: a session there holding the clinic's key (as another
     * coordinator's booking would) holds the booking up until it lets go. Control: the same key held on
     * the coordinator does not.
     */
    @Test
    void theBookingLockIsTakenOnTheClinicsWorker(@Admin DataSource admin, TestDatabase db) throws Exception {
        Contact pat = voxanne.contacts(annInA).create(NewContact.named("Pat"));
        DataSource worker = workerOf(admin, db, annInA.organizationId());
        try (Connection holder = worker.getConnection()) {
            lock(holder, annInA.organizationId(), true);
            Future<Appointment> booking = pool.submit(() -> voxanne.appointments(annInA).book(pat.id(), ServiceType.BOTOX, NINE, HALF_HOUR));
            assertThatThrownBy(() -> booking.get(2, TimeUnit.SECONDS)).as("held up by the worker's lock")
                    .isInstanceOf(TimeoutException.class);
            lock(holder, annInA.organizationId(), false);
            assertThat(booking.get(30, TimeUnit.SECONDS).scheduledAt()).isAtSameInstantAs(NINE);
        }
        try (Connection holder = admin.getConnection()) {
            lock(holder, annInA.organizationId(), true);
            try {
                assertThat(pool.submit(() -> voxanne.appointments(annInA).book(pat.id(), ServiceType.BOTOX, NINE.plusDays(1), HALF_HOUR))
                        .get(30, TimeUnit.SECONDS).scheduledAt()).isAtSameInstantAs(NINE.plusDays(1));
            } finally {
                lock(holder, annInA.organizationId(), false);
            }
        }
    }

    /**
     * Attack: create a contact or book with an id another clinic's row has, to read it, overwrite it or learn
     * that it exists. On a distributed database ids are unique per organization (the key is
     * {@code (org_id, id)}, docs/citus.md facts 5 and 27): the call makes the caller's own row with that id,
     * and the other clinic's row stays as it was and its own. A retry with the id in the same clinic
     * returns the first row, as on one server.
     */
    @Test
    void anIdOfAnotherClinicNeitherReadsNorOverwritesItsRow() {
        Contact anns = voxanne.contacts(annInA).create(NewContact.named(PatientMarkers.NAME).phone(PatientMarkers.PHONE));
        Appointment visit = voxanne.appointments(annInA).book(anns.id(), ServiceType.BOTOX, NINE, HALF_HOUR);

        Contact bobs = voxanne.contacts(bobInB).create(NewContact.named("Bob").id(anns.id()));
        assertThat(bobs.organizationId()).isEqualTo(bobInB.organizationId());
        assertThat(bobs.name()).isEqualTo("Bob");
        Appointment bobsVisit = voxanne.appointments(bobInB).book(bobs.id(), ServiceType.FILLER, NINE.plusDays(1),
                Duration.ofMinutes(15), visit.id());
        assertThat(bobsVisit.organizationId()).isEqualTo(bobInB.organizationId());
        assertThat(bobsVisit.scheduledAt()).isAtSameInstantAs(NINE.plusDays(1));

        assertThat(voxanne.contacts(annInA).get(anns.id())).isEqualTo(anns);
        assertThat(voxanne.appointments(annInA).get(visit.id())).isEqualTo(visit);
        assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).containsExactly(anns);
        assertThat(voxanne.contacts(bobInB).list(ContactQuery.all()).items()).containsExactly(bobs);

        // a retry with the id in the same clinic returns the first row, from a call of its own and in a unit
        assertThat(voxanne.contacts(bobInB).create(NewContact.named("Bob again").id(anns.id()))).isEqualTo(bobs);
        Contact inUnit = voxanne.inOrg(bobInB, tx -> tx.contacts().create(NewContact.named("Bob again").id(anns.id())));
        assertThat(inUnit).isEqualTo(bobs);
        assertThat(voxanne.appointments(bobInB).book(bobs.id(), ServiceType.FILLER, NINE.plusDays(1),
                Duration.ofMinutes(15), visit.id())).isEqualTo(bobsVisit);
        assertThat(voxanne.contacts(bobInB).list(ContactQuery.all()).items()).containsExactly(bobs);
        // control: a fresh id creates
        UUID fresh = UUID.randomUUID();
        assertThat(voxanne.contacts(annInA).create(NewContact.named("Cleo").id(fresh)).id()).isEqualTo(fresh);
    }

    /** Citus relays a worker's refusal without the constraint's name; the DAO reads it from the message. */
    @Test
    void aRefusalOnAWorkerNamesTheSchemasConstraint() {
        voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550172"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550172")))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
        // control: the same phone in another clinic is that clinic's own
        assertThat(voxanne.contacts(bobInB).create(NewContact.named("Bob").phone("+12125550172")).organizationId())
                .isEqualTo(bobInB.organizationId());
    }

    /** The failure of each unit that failed; every unit must end within a minute. */
    private static List<Throwable> outcomes(List<Future<Appointment>> results) throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        for (Future<Appointment> result : results) {
            try {
                result.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("a unit of work did not finish", e);
            }
        }
        return failures;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes or lets go of the booking lock's key of {@code org} for {@code holder}'s session. */
    private static void lock(Connection holder, UUID org, boolean take) throws SQLException {
        try (PreparedStatement ps = holder.prepareStatement("select " + (take ? "pg_advisory_lock" : "pg_advisory_unlock")
                + "(hashtext('voxanne.appointments'), hashtext(?::uuid::text))")) {
            ps.setString(1, org.toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    /** The database of the worker holding {@code org}'s shards, as the operator. */
    static DataSource workerOf(DataSource admin, TestDatabase db, UUID org) throws SQLException {
        PGSimpleDataSource operator = admin.unwrap(PGSimpleDataSource.class);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select nodename, nodeport from citus_shards"
                     + " where table_name = 'public.organizations'::regclass"
                     + " and shardid = get_shard_id_for_distribution_column('public.organizations', ?::uuid)")) {
            ps.setString(1, org.toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                ds.setServerNames(new String[] {rs.getString(1)});
                ds.setPortNumbers(new int[] {rs.getInt(2)});
            }
        }
        ds.setDatabaseName(db.name());
        ds.setUser(operator.getUser());
        ds.setPassword(operator.getPassword());
        return ds;
    }
}
