package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

@com.voxanne.testkit.VoxannePostgres
class AppointmentsConcurrencyTest {

    private static final OffsetDateTime NINE = OffsetDateTime.of(2031, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private Voxanne voxanne;
    private OrgContext ann;
    private Contact patient;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants, TestInfo test) {
        voxanne = Voxanne.create(login);
        // One database per class: an organization per test keeps their bookings apart.
        User user = tenants.organization("Clinic " + test.getTestMethod().orElseThrow().getName()).user("ann");
        ann = OrgContext.of(user.organization().id(), user.id());
        patient = voxanne.contacts(ann).create(NewContact.named("Pat"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void ofTwoConcurrentOverlappingBookingsExactlyOneWins() throws Exception {
        for (int round = 0; round < 5; round++) {
            OffsetDateTime slot = NINE.plusDays(round);
            // Both transactions have checked the contact and are about to insert when the barrier opens.
            List<Throwable> failures = race(
                    tx -> tx.appointments().book(patient.id(), ServiceType.BOTOX, slot, Duration.ofMinutes(30)),
                    tx -> tx.appointments().book(patient.id(), ServiceType.FILLER, slot.plusMinutes(15), Duration.ofMinutes(30)));
            assertThat(failures).as("round " + round).singleElement().isInstanceOf(DoubleBookingException.class);
            assertThat(voxanne.appointments(ann).list(AppointmentQuery.all().from(slot).until(slot.plusDays(1))).items())
                    .hasSize(1);
        }
    }

    @Test
    void ofTwoConcurrentStatusChangesOnlyOneIsCheckedAgainstTheOldStatus() throws Exception {
        for (int round = 0; round < 5; round++) {
            Appointment appt = voxanne.appointments(ann).book(patient.id(), ServiceType.BOTOX, NINE.plusDays(round),
                    Duration.ofMinutes(30));
            voxanne.appointments(ann).changeStatus(appt.id(), AppointmentStatus.CONFIRMED);
            // Both are allowed from confirmed, neither from the other's result: only the row lock lets one fail.
            List<Throwable> failures = race(
                    tx -> tx.appointments().changeStatus(appt.id(), AppointmentStatus.CANCELLED),
                    tx -> tx.appointments().changeStatus(appt.id(), AppointmentStatus.IN_PROGRESS));
            assertThat(failures).as("round " + round).singleElement().isInstanceOf(InvalidTransitionException.class);
            InvalidTransitionException refused = (InvalidTransitionException) failures.get(0);
            assertThat(voxanne.appointments(ann).get(appt.id()).status()).isEqualTo(refused.from());
        }
    }

    /** Runs both units of work at once, each waiting for the other before its work; returns the failures. */
    private List<Throwable> race(Function<TenantTransaction, Appointment> one, Function<TenantTransaction, Appointment> two)
            throws InterruptedException {
        CyclicBarrier barrier = new CyclicBarrier(2);
        List<Future<Appointment>> results = new ArrayList<>();
        for (Function<TenantTransaction, Appointment> work : List.of(one, two)) {
            Callable<Appointment> call = () -> voxanne.inOrg(ann, tx -> {
                tx.organization(); // the transaction is open and bound before the race starts
                await(barrier);
                return work.apply(tx);
            });
            results.add(pool.submit(call));
        }
        List<Throwable> failures = new ArrayList<>();
        for (Future<Appointment> result : results) {
            try {
                result.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
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
}
