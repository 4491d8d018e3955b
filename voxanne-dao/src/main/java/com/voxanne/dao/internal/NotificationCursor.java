package com.voxanne.dao.internal;

import com.voxanne.dao.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of notifications ends: the last row's (created_at, id), as URL-safe Base64 of
 * {@code "<instant>|<uuid>"}. Opaque to callers; anything that does not decode is refused as input.
 */
record NotificationCursor(OffsetDateTime createdAt, UUID id) {

    String encode() {
        String raw = createdAt.toInstant() + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static NotificationCursor parse(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = raw.indexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("no separator");
            }
            Instant at = Instant.parse(raw.substring(0, bar));
            UUID id = UUID.fromString(raw.substring(bar + 1));
            return new NotificationCursor(at.atOffset(ZoneOffset.UTC), id);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidInputException("cursor", "not a cursor returned by this list");
        }
    }
}
