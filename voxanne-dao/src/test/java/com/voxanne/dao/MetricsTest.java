package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.metrics.VoxanneMetrics;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.session.ApiRole;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DAO's meters ({@link VoxanneMetrics}): each repository call counted once with its outcome, each
 * unit by mode and role, webhook outcomes, subscriptions and deliveries; no tenant or patient value in
 * any tag; and an observer that fails never fails the call it observes.
 */
@VoxannePostgres
class MetricsTest {

    private static final String PATIENT = "Metrics Patient Zelda";
    private static final String PHONE = "+12125550187";

    private HikariDataSource pool;
    private SimpleMeterRegistry registry;
    private Voxanne voxanne;
    private OrgContext ann;
    private OrgContext bob;

    @BeforeEach
    void setUp(TestDatabase db, Tenants tenants) {
        pool = ConnectionHygieneTest.loginPool(db, 3, true);
        registry = new SimpleMeterRegistry();
        voxanne = Voxanne.builder(pool).observer(VoxanneMetrics.of(registry)).build();
        String run = UUID.randomUUID().toString();
        ann = context(tenants.organization("Metrics A " + run).user("ann"));
        bob = context(tenants.organization("Metrics B " + run).user("bob"));
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private static OrgContext context(User user) {
        return OrgContext.of(user.organization().id(), user.id());
    }

    @Test
    void eachCallIsTimedOnceWithItsOutcomeAndItsUnitByModeAndRole() {
        Contact zelda = voxanne.contacts(ann).create(NewContact.named(PATIENT).phone(PHONE));
        voxanne.contacts(ann).get(zelda.id());
        assertThatThrownBy(() -> voxanne.contacts(bob).get(zelda.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> voxanne.contacts(ann).create(NewContact.named(PATIENT).phone("not a phone")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> voxanne.contacts(ann).create(NewContact.named(PATIENT).phone(PHONE)))
                .isInstanceOf(DuplicateException.class);

        assertThat(count("contacts", "create", "ok")).isEqualTo(1);
        assertThat(count("contacts", "get", "ok")).isEqualTo(1);
        assertThat(count("contacts", "get", "not_found")).isEqualTo(1);
        assertThat(count("contacts", "create", "invalid_input")).isEqualTo(1);
        assertThat(count("contacts", "create", "conflict")).isEqualTo(1);
        assertThat(operation("contacts", "get", "ok").totalTime(TimeUnit.NANOSECONDS)).isPositive();

        // one unit per call, each a single statement; the three that failed rolled back
        long units = registry.find(VoxanneMetrics.UNIT).timers().stream().mapToLong(Timer::count).sum();
        assertThat(units).isEqualTo(5);
        if (DatabaseKind.distributed(pool)) {
            // there a create with an id runs as a transaction (ADR 0021, UnitModes): two modes, the same outcomes
            assertThat(unitCount("single_statement", "authenticated", "committed")
                    + unitCount("transaction", "authenticated", "committed")).isEqualTo(2);
            assertThat(unitCount("single_statement", "authenticated", "rolled_back")
                    + unitCount("transaction", "authenticated", "rolled_back")).isEqualTo(3);
        } else {
            assertThat(unitCount("single_statement", "authenticated", "committed")).isEqualTo(2);
            assertThat(unitCount("single_statement", "authenticated", "rolled_back")).isEqualTo(3);
        }
    }

    @Test
    void callsInsideAUnitAreEachTimedAndTheUnitOnce() {
        voxanne.inOrg(ann, tx -> {
            tx.contacts().create(NewContact.named(PATIENT));
            return tx.contacts().list(ContactQuery.all());
        });
        assertThat(count("contacts", "create", "ok")).isEqualTo(1);
        assertThat(count("contacts", "list", "ok")).isEqualTo(1);
        assertThat(unitCount("transaction", "authenticated", "committed")).isEqualTo(1);

        assertThatThrownBy(() -> voxanne.inOrg(ann, tx -> {
            tx.contacts().create(NewContact.named(PATIENT));
            throw new IllegalStateException("the caller's own bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(count("contacts", "create", "ok")).isEqualTo(2);
        assertThat(unitCount("transaction", "authenticated", "rolled_back")).isEqualTo(1);
    }

    @Test
    void aFailureIsTaggedWithItsSqlStateClass(TestDatabase db, @com.voxanne.testkit.Admin DataSource admin)
            throws Exception {
        Voxanne impatient = Voxanne.builder(pool).observer(VoxanneMetrics.of(registry))
                .lockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(200)).build();
        try (Connection locker = admin.getConnection()) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("lock table public.contacts in access exclusive mode");
            }
            assertThatThrownBy(() -> impatient.contacts(ann).list(ContactQuery.all()))
                    .isInstanceOf(DataAccessFailureException.class);
            locker.rollback();
        }
        Timer failed = registry.find(VoxanneMetrics.OPERATION)
                .tags("repository", "contacts", "operation", "list", "outcome", "failure").timer();
        assertThat(failed).isNotNull();
        assertThat(failed.getId().getTag("sqlstate.class")).as("55P03, lock not available").isEqualTo("55");
        assertThat(failed.count()).isEqualTo(1);
    }

    @Test
    void webhookOutcomesAndTheServiceScopesRepositoriesAreCounted() {
        UUID org = ann.organizationId();
        String event = "evt-" + UUID.randomUUID();
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThat(webhooks.processOnce(org, event, "call.ended", tx -> tx.contacts().create(NewContact.named(PATIENT))))
                .isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(webhooks.processOnce(org, event, "call.ended", tx -> { })).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThatThrownBy(() -> webhooks.processOnce(org, "evt-" + UUID.randomUUID(), "call.ended", tx -> {
            throw new IllegalStateException("handler failed");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(webhookCount("processed")).isEqualTo(1);
        assertThat(webhookCount("duplicate")).isEqualTo(1);
        assertThat(webhookCount("failed")).isEqualTo(1);
        assertThat(count("webhooks", "processOnce", "ok")).isEqualTo(2);
        assertThat(count("webhooks", "processOnce", "failure")).isEqualTo(1);
        assertThat(count("contacts", "create", "ok")).as("the handler's own call").isEqualTo(1);
        assertThat(unitCount("transaction", "service_role", "committed")).isEqualTo(2);
        assertThat(unitCount("transaction", "service_role", "rolled_back")).isEqualTo(1);

        voxanne.service().organizations().get(org);
        assertThat(count("organizations", "get", "ok")).isEqualTo(1);
    }

    @Test
    void subscriptionsAreAGaugeAndDeliveriesACounter() throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription subscription = voxanne.subscribeToNotifications(ann, events::add)) {
            assertThat(registry.get(VoxanneMetrics.SUBSCRIPTIONS).gauge().value()).isEqualTo(1);
            voxanne.notifications(ann).create(ann.userId(),
                    NewNotification.of(NotificationType.HOT_LEAD, PATIENT, "called at " + OffsetDateTime.now()));
            assertThat(events.poll(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(registry.get(VoxanneMetrics.EVENTS).counter().count()).isEqualTo(1);
        }
        assertThat(registry.get(VoxanneMetrics.SUBSCRIPTIONS).gauge().value()).isZero();
    }

    @Test
    void noTagCarriesATenantOrAPatientValue() {
        Contact zelda = voxanne.contacts(ann).create(NewContact.named(PATIENT).phone(PHONE).email("zelda@example.org"));
        assertThatThrownBy(() -> voxanne.contacts(bob).get(zelda.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> voxanne.contacts(ann).create(NewContact.named(PATIENT).phone(PHONE)))
                .isInstanceOf(DuplicateException.class);
        voxanne.notifications(ann).create(ann.userId(), NewNotification.of(NotificationType.HOT_LEAD, PATIENT, PHONE));

        List<String> values = new ArrayList<>();
        for (Meter meter : registry.getMeters()) {
            meter.getId().getTags().stream().map(Tag::getValue).forEach(values::add);
        }
        assertThat(values).isNotEmpty();
        for (String forbidden : List.of(ann.organizationId().toString(), ann.userId().toString(),
                bob.organizationId().toString(), zelda.id().toString(), "Zelda", "2125550187", "zelda@")) {
            assertThat(values).as("tag values").noneMatch(value -> value.contains(forbidden));
        }
    }

    @Test
    void anObserverThatThrowsNeverFailsTheCall() {
        VoxanneObserver broken = new VoxanneObserver() {
            @Override
            public void operationEnded(Operation operation, long nanos, Outcome outcome, String sqlStateClass) {
                throw new IllegalStateException("observer bug");
            }

            @Override
            public void unitEnded(UnitKind kind, long nanos, boolean committed) {
                throw new IllegalStateException("observer bug");
            }
        };
        Voxanne observed = Voxanne.builder(pool).observer(broken).build();
        Contact created = observed.contacts(ann).create(NewContact.named(PATIENT));
        Contact read = observed.inOrg(ann, tx -> tx.contacts().get(created.id()));
        assertThat(read.id()).isEqualTo(created.id());
        assertThatThrownBy(() -> observed.contacts(bob).get(created.id()))
                .as("the call's own failure, not the observer's").isInstanceOf(NotFoundException.class);
    }

    private Timer operation(String repository, String method, String outcome) {
        return registry.find(VoxanneMetrics.OPERATION)
                .tags("repository", repository, "operation", method, "outcome", outcome).timer();
    }

    private long count(String repository, String method, String outcome) {
        Timer timer = operation(repository, method, outcome);
        return timer == null ? 0 : timer.count();
    }

    private long unitCount(String mode, String role, String outcome) {
        Timer timer = registry.find(VoxanneMetrics.UNIT).tags("mode", mode, "role", role, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private double webhookCount(String outcome) {
        return registry.get(VoxanneMetrics.WEBHOOK).tags("outcome", outcome).counter().count();
    }
}
