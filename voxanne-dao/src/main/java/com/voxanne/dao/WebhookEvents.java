package com.voxanne.dao;

import java.time.Duration;
import java.util.UUID;

/** Exactly-once webhook intake per (organization, event id): backend work of the {@link ServiceScope}. */
public interface WebhookEvents {

    /**
     * Claims the event and runs {@code handler} in one transaction. A second delivery of the same event
     * id for the same organization does not run the handler, even when both arrive at once; the same id
     * in another organization is another event. So it is safe to retry after any failure, an
     * {@linkplain DataAccessFailureException#outcomeUnknown() unknown outcome} included: if the first run
     * committed, the retry is {@link WebhookOutcome#DUPLICATE}.
     *
     * @param organizationId the organization the event belongs to
     * @param eventId the provider's event id (1 to 255 characters)
     * @param eventType the provider's event type, for example {@code call.ended}
     * @throws TenantContextException when {@code organizationId} is null
     * @throws InvalidInputException for a blank or over-long id or type
     * @throws NotFoundException when the organization does not exist
     * @throws RuntimeException whatever the handler threw; the event stays unclaimed for the retry
     */
    WebhookOutcome processOnce(UUID organizationId, String eventId, String eventType, WebhookHandler handler);

    /** Forgets events processed before {@code age} ago, so their ids could be processed again; returns how many. */
    int cleanup(Duration age);
}
