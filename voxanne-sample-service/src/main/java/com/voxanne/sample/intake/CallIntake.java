package com.voxanne.sample.intake;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A row of the service's own tenant table {@code call_intakes}.
 *
 * @param id its id
 * @param callId the provider's call id (unique per clinic)
 * @param contactId the caller's contact, or null once that contact is deleted
 * @param outcome {@code received}, {@code booked}, {@code callback} or {@code spam}
 * @param createdAt when the call was taken in
 */
public record CallIntake(UUID id, String callId, UUID contactId, String outcome, OffsetDateTime createdAt) {
}
