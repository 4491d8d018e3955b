package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.AccessDeniedException;
import com.voxanne.dao.Appointment;
import com.voxanne.dao.BulkImportException;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.DatabaseKind;
import com.voxanne.dao.DoubleBookingException;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NewNotification;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.ServiceType;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DAO's units with the distributed form of the binding, on one server (where {@code SET LOCAL}
 * binds as {@code set_config} does): the statement that carries it skips its {@code SET LOCAL} results
 * in both modes, past PgJDBC's server-prepare threshold, binds on its own before a savepoint, and
 * isolates the clinics exactly as the single-server form. What the Citus backend runs
 * ({@code CitusDaoIsolationTest}), checked on every backend.
 */
@VoxannePostgres
class DistributedBindingFormTest {

    private ServiceScopeImpl distributed;
    private DataSource login;
    private User ann;
    private User bob;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.login = login;
        distributed = new ServiceScopeImpl(login, "US", RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
        ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        bob = tenants.organization("Clinic B " + UUID.randomUUID()).user("bob");
    }

    private <T> T asAnn(Transactions.Mode mode, java.util.function.Function<com.voxanne.dao.TenantTransaction, T> work) {
        return distributed.perCall(ann.organization().id(), ann.id(), mode, work);
    }

    @Test
    void singleStatementUnitsSeeTheirOwnRowsOnlyPastTheServerPrepareThreshold() {
        Contact own = asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().create(NewContact.named("Ann's")));
        Contact bobs = distributed.perCall(bob.organization().id(), bob.id(), Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.contacts().create(NewContact.named("Bob's")));
        for (int i = 0; i < 8; i++) {
            List<Contact> seen = asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().list(ContactQuery.all()).items());
            assertThat(seen).extracting(Contact::id).containsExactly(own.id());
            assertThat(asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().get(own.id())).name()).isEqualTo("Ann's");
            assertThatThrownBy(() -> asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().get(bobs.id())))
                    .isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void aTransactionUnitBindsOnceAndABindingOnItsOwnPrecedesItsSavepoint() {
        List<String> names = distributed.inOrg(ann.organization().id(), ann.id(), tx -> {
            tx.contacts().create(NewContact.named("First").phone("+12125550100"));
            assertThatThrownBy(() -> tx.contacts().importAll(List.of(NewContact.named("Clash").phone("+12125550100"))))
                    .isInstanceOf(BulkImportException.class);
            return tx.contacts().list(ContactQuery.all()).items().stream().map(Contact::name).toList();
        });
        assertThat(names).containsExactly("First");
        // importAll's savepoint is its unit's first server call: the binding runs on its own before it
        List<Contact> imported = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.contacts().importAll(List.of(NewContact.named("One"), NewContact.named("Two"))));
        assertThat(imported).extracting(Contact::organizationId).containsOnly(ann.organization().id());
        List<Contact> seenByBob = distributed.perCall(bob.organization().id(), bob.id(), Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.contacts().list(ContactQuery.all()).items());
        assertThat(seenByBob).isEmpty();
    }

    /**
     * The shapes only a distributed database gets (docs/citus.md, facts 27–29: the create with an id as an
     * insert and a read, the arbiter {@code (org_id, id)}, the booking lock through the organization's row)
     * keep their guarantees on one server too: a retry returns the first row, an overlap is a double
     * booking, another clinic's id is refused there by its key {@code (id)}.
     */
    @Test
    void theDistributedShapesOfBookingAndOfACreateWithAnIdKeepTheirGuarantees() {
        DatabaseKind.assumeOneServer(login, "on one server another clinic's id is refused by the key (id); on a"
                + " distributed database ids are unique per clinic (ADR 0021), which CitusDaoIsolationTest covers");
        UUID id = UUID.randomUUID();
        Contact first = asAnn(Transactions.Mode.TRANSACTION, tx -> tx.contacts().create(NewContact.named("Pat").id(id)));
        Contact again = asAnn(Transactions.Mode.TRANSACTION, tx -> tx.contacts().create(NewContact.named("Pat again").id(id)));
        assertThat(again).isEqualTo(first);
        assertThatThrownBy(() -> distributed.perCall(bob.organization().id(), bob.id(), Transactions.Mode.TRANSACTION,
                tx -> tx.contacts().create(NewContact.named("Bob").id(id))))
                .isInstanceOfSatisfying(DuplicateException.class, e -> assertThat(e.constraint()).isEqualTo("contacts_pkey"));

        OffsetDateTime nine = OffsetDateTime.of(2031, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);
        UUID visit = UUID.randomUUID();
        Appointment booked = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().book(first.id(), ServiceType.BOTOX, nine, Duration.ofMinutes(30), visit));
        Appointment retried = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().book(first.id(), ServiceType.BOTOX, nine, Duration.ofMinutes(30), visit));
        assertThat(retried).isEqualTo(booked);
        assertThatThrownBy(() -> asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().book(first.id(), ServiceType.FILLER, nine.plusMinutes(15), Duration.ofMinutes(30))))
                .isInstanceOf(DoubleBookingException.class);
        Appointment later = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().book(first.id(), ServiceType.FILLER, nine.plusHours(1), Duration.ofMinutes(30)));
        assertThatThrownBy(() -> asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().reschedule(later.id(), nine, Duration.ofMinutes(30))))
                .isInstanceOf(DoubleBookingException.class);
        Appointment moved = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.appointments().reschedule(later.id(), nine.plusHours(2), Duration.ofMinutes(30)));
        assertThat(moved.scheduledAt()).isAtSameInstantAs(nine.plusHours(2));
    }

    /**
     * A notification's create in the distributed shape, on one server: {@code select create_notification(…)
     * from (select count(*) from organizations where id = ?)}, the call Citus sends whole to the clinic's
     * worker (docs/adr/0023). The function's rules hold as with the plain call: beside the caller's write in
     * one unit, another clinic's user refused, and an organization that does not exist refused by the
     * function (the aggregate's one row calls it; without rows the call would never run).
     */
    @Test
    void aNotificationsCreateCalledFromTheOrganizationsShardKeepsTheFunctionsRules() {
        UUID[] made = distributed.inOrg(ann.organization().id(), ann.id(), tx -> new UUID[] {
            tx.notifications().create(ann.id(), NewNotification.of(NotificationType.HOT_LEAD, "Routed", "Call back")),
            tx.contacts().create(NewContact.named("Beside it")).id()});
        assertThat(asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.notifications().get(made[0])).title()).isEqualTo("Routed");
        assertThat(asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().get(made[1])).name()).isEqualTo("Beside it");
        assertThatThrownBy(() -> asAnn(Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.notifications().create(bob.id(), NewNotification.of(NotificationType.HOT_LEAD, "For Bob", "m"))))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> distributed.perCall(UUID.randomUUID(), ann.id(), Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.notifications().create(ann.id(), NewNotification.of(NotificationType.HOT_LEAD, "Nowhere", "m"))))
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("does not exist");
    }
}
