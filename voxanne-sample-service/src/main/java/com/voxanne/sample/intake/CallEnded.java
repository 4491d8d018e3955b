package com.voxanne.sample.intake;

import java.util.Objects;
import java.util.UUID;

/**
 * The voice agent's "call ended" webhook, as the service receives it.
 *
 * @param organizationId the clinic the call was for (from the webhook's signed routing, never the caller)
 * @param eventId the provider's event id: a redelivery carries the same one
 * @param callId the provider's call id
 * @param callerPhone the caller's number as the provider reports it
 * @param callerName the name the caller gave
 */
public record CallEnded(UUID organizationId, String eventId, String callId, String callerPhone, String callerName) {

    /** Checks that every part is present. */
    public CallEnded {
        Objects.requireNonNull(organizationId, "organizationId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(callerPhone, "callerPhone");
        Objects.requireNonNull(callerName, "callerName");
    }

    /** Never prints the caller's phone or name: they are patient data. */
    @Override
    public String toString() {
        return "CallEnded[organizationId=" + organizationId + ", eventId=" + eventId + ", callId=" + callId
                + ", callerPhone=<redacted>, callerName=<redacted>]";
    }
}
