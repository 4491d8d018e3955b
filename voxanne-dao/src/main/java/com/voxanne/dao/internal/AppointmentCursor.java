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
 * The keyset position after the last row of a page of appointments: its start and id, as URL-safe
 * Base64 of {@code "<instant>|<uuid>"}. Opaque to callers; anything that does not decode to exactly that
 * is refused as invalid input, never passed to SQL.
 */
record AppointmentCursor(OffsetDateTime scheduledAt, UUID id) {

    private static final String INVALID = "is not a cursor returned by this list";

    String encode() {
        String plain = scheduledAt.toInstant() + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    static AppointmentCursor decode(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = plain.split("\\|", -1);
            if (parts.length != 2) {
                throw new InvalidInputException("cursor", INVALID);
            }
            UUID id = UUID.fromString(parts[1]);
            // UUID.fromString accepts short groups ("1-1-1-1-1"); only our own canonical form is a cursor.
            if (!id.toString().equals(parts[1])) {
                throw new InvalidInputException("cursor", INVALID);
            }
            return new AppointmentCursor(Instant.parse(parts[0]).atOffset(ZoneOffset.UTC), id);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidInputException("cursor", INVALID);
        }
    }
}
