package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class WebhookEventsTest {

    private Voxanne voxanne;
    private UUID orgA;
    private UUID orgB;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        voxanne = Voxanne.create(login);
        orgA = tenants.organization("Clinic A").id();
        orgB = tenants.organization("Clinic B").id();
    }

    @Test
    void theClaimAndTheHandlersWritesCommitTogetherAndADuplicateDoesNotRunIt() {
        WebhookEvents webhooks = voxanne.service().webhooks();
        AtomicInteger runs = new AtomicInteger();
        WebhookHandler handler = tx -> {
            runs.incrementAndGet();
            tx.contacts().create(NewContact.named("Caller").phone("+12125550142"));
        };
        assertThat(webhooks.processOnce(orgA, "call.ended:1", "call.ended", handler)).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(webhooks.processOnce(orgA, "call.ended:1", "call.ended", handler)).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(runs).hasValue(1);
        assertThat(voxanne.service().webhooks().processOnce(orgA, "call.ended:2", "call.ended",
                tx -> assertThat(tx.contacts().findByPhone("+12125550142")).isPresent())).isEqualTo(WebhookOutcome.PROCESSED);
    }

    @Test
    void aFailingHandlerLeavesTheEventUnclaimedForTheRetry() {
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThatThrownBy(() -> webhooks.processOnce(orgA, "evt-retry", "call.ended", tx -> {
            tx.contacts().create(NewContact.named("Half").phone("+12125550143"));
            throw new IllegalStateException("downstream outage");
        })).isInstanceOf(IllegalStateException.class).hasMessage("downstream outage");

        AtomicInteger runs = new AtomicInteger();
        assertThat(webhooks.processOnce(orgA, "evt-retry", "call.ended", tx -> {
            runs.incrementAndGet();
            assertThat(tx.contacts().findByPhone("+12125550143")).as("the failed attempt's write").isEmpty();
        })).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(runs).hasValue(1);
    }

    @Test
    void theSameEventIdInTwoOrganizationsIsProcessedInBoth() {
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThat(webhooks.processOnce(orgA, "vapi-123", "call.ended", tx -> { })).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(webhooks.processOnce(orgB, "vapi-123", "call.ended", tx -> { })).isEqualTo(WebhookOutcome.PROCESSED);
    }

    @Test
    void thirtyTwoConcurrentDeliveriesRunTheHandlerExactlyOnce() throws Exception {
        int threads = 32;
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<WebhookOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<WebhookOutcome> delivery = () -> {
                    start.await();
                    return voxanne.service().webhooks().processOnce(orgA, "evt-storm", "call.ended", tx -> {
                        runs.incrementAndGet();
                        tx.contacts().create(NewContact.named("Storm").phone("+12125550144"));
                    });
                };
                outcomes.add(pool.submit(delivery));
            }
            start.countDown();
            int processed = 0;
            for (Future<WebhookOutcome> outcome : outcomes) {
                if (outcome.get(2, TimeUnit.MINUTES) == WebhookOutcome.PROCESSED) {
                    processed++;
                }
            }
            assertThat(processed).isEqualTo(1);
            assertThat(runs).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badInputAndUnknownOrganizationsAreRefused() {
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThatThrownBy(() -> webhooks.processOnce(orgA, " ", "call.ended", tx -> { }))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("eventId"));
        assertThatThrownBy(() -> webhooks.processOnce(UUID.randomUUID(), "evt", "call.ended", tx -> { }))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void cleanupForgetsOldEvents() {
        WebhookEvents webhooks = voxanne.service().webhooks();
        webhooks.processOnce(orgA, "evt-old", "call.ended", tx -> { });
        assertThat(webhooks.cleanup(Duration.ofDays(1))).isZero();
        assertThat(webhooks.cleanup(Duration.ZERO)).isGreaterThanOrEqualTo(1);
        assertThat(webhooks.processOnce(orgA, "evt-old", "call.ended", tx -> { })).isEqualTo(WebhookOutcome.PROCESSED);
    }
}
