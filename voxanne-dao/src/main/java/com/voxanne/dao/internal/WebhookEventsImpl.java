package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;
import static com.voxanne.schema.jooq.Tables.PROCESSED_WEBHOOK_EVENTS;

import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.WebhookEvents;
import com.voxanne.dao.WebhookHandler;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.schema.jooq.Keys;
import com.voxanne.schema.session.RequestClaims;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.UUID;
import org.jooq.impl.DSL;

/**
 * Exactly-once intake. The claim is an insert that does nothing on conflict with the unique
 * (org_id, event_id): a concurrent second delivery waits on the first one's row lock, then sees the
 * conflict once the first commits (or claims the event itself if the first rolled back).
 */
final class WebhookEventsImpl implements WebhookEvents {

    private final Transactions transactions;
    private final Inputs inputs;

    WebhookEventsImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }

    @Override
    public WebhookOutcome processOnce(UUID organizationId, String eventId, String eventType, WebhookHandler handler) {
        Inputs.organizationId("webhooks().processOnce", organizationId);
        Objects.requireNonNull(handler, "webhooks().processOnce needs a handler: handler is null");
        String id = inputs.identifier("eventId", eventId, 255);
        String type = inputs.identifier("eventType", eventType, 255);
        VoxanneObserver observer = transactions.observer();
        if (observer == VoxanneObserver.NONE) {
            return intake(organizationId, id, type, handler, observer);
        }
        WebhookOutcome outcome = null;
        try {
            outcome = intake(organizationId, id, type, handler, observer);
            return outcome;
        } finally {
            WebhookOutcome ended = outcome;
            Observed.report(() -> observer.webhookEnded(ended));
        }
    }

    private WebhookOutcome intake(UUID organizationId, String id, String type, WebhookHandler handler,
                                  VoxanneObserver observer) {
        return transactions.inUnit(RequestClaims.service(organizationId), Transactions.Mode.TRANSACTION, unit -> {
            boolean exists = !RenderedReads.select("webhooks.processOnce: the organization", ORGANIZATION_EXISTS)
                    .where(organizationId, org -> ORGANIZATIONS.ID.eq(org))
                    .fetch(unit, row -> Boolean.TRUE)
                    .isEmpty();
            if (!exists) {
                throw new NotFoundException("organization " + organizationId);
            }
            int claimed = RenderedWrites.insertInto("webhooks.processOnce", PROCESSED_WEBHOOK_EVENTS)
                    .set(PROCESSED_WEBHOOK_EVENTS.ORG_ID, organizationId)
                    .set(PROCESSED_WEBHOOK_EVENTS.EVENT_ID, id)
                    .set(PROCESSED_WEBHOOK_EVENTS.EVENT_TYPE, type)
                    .onConflictDoNothing(Keys.UQ_PROCESSED_WEBHOOK_EVENTS_ORG_EVENT)
                    .execute(unit);
            if (claimed == 0) {
                return WebhookOutcome.DUPLICATE;
            }
            handler.handle(new TenantTransactionImpl(unit, organizationId, null, inputs, observer));
            return WebhookOutcome.PROCESSED;
        });
    }

    /** Does the organization exist: the check an intake starts with. */
    private static final RenderedReads.From ORGANIZATION_EXISTS = () -> DSL.selectOne().from(ORGANIZATIONS);

    @Override
    public int cleanup(Duration age) {
        if (age == null || age.isNegative()) {
            throw new com.voxanne.dao.InvalidInputException("age", "must be zero or positive");
        }
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(age);
        return transactions.run(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT, // one DELETE
                dsl -> dsl.deleteFrom(PROCESSED_WEBHOOK_EVENTS)
                .where(PROCESSED_WEBHOOK_EVENTS.PROCESSED_AT.lt(before))
                .execute());
    }
}
