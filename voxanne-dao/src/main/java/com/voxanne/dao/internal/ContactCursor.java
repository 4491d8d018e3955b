package com.voxanne.dao.internal;

import com.voxanne.dao.ContactSort;
import com.voxanne.dao.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of contacts ends: the order, the last row's sort value ({@code null} for a contact never
 * contacted in {@link ContactSort#LAST_CONTACT} order) and its id. Encoded as URL-safe Base64 of
 * {@code "c1|ORDER|instant or -|id"}: opaque to callers, and checked when it comes back, so that a
 * tampered or foreign cursor is refused instead of silently reading from somewhere else.
 */
record ContactCursor(ContactSort sort, OffsetDateTime value, UUID id) {

    private static final String VERSION = "c1";
    private static final String NO_VALUE = "-";
    private static final int MAX_LENGTH = 200;

    String encode() {
        String text = String.join("|", VERSION, sort.name(), value == null ? NO_VALUE : value.toInstant().toString(),
                id.toString());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor {@code encoded}, handed out by a list in {@code expected} order. */
    static ContactCursor decode(String encoded, ContactSort expected) {
        if (encoded == null || encoded.isEmpty() || encoded.length() > MAX_LENGTH) {
            throw invalid();
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split("\\|", -1);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (parts.length != 4 || !VERSION.equals(parts[0])) {
            throw invalid();
        }
        if (!expected.name().equals(parts[1])) {
            throw new InvalidInputException("cursor", "belongs to a list in another order than " + expected);
        }
        // Only LAST_CONTACT has a nullable sort column; the others always carry a time.
        boolean noValue = NO_VALUE.equals(parts[2]);
        if (noValue && expected != ContactSort.LAST_CONTACT) {
            throw invalid();
        }
        try {
            OffsetDateTime value = noValue ? null : Instant.parse(parts[2]).atOffset(ZoneOffset.UTC);
            UUID id = UUID.fromString(parts[3]);
            if (!id.toString().equals(parts[3])) {
                throw invalid();   // UUID.fromString accepts non-canonical forms; a cursor we wrote never has one
            }
            return new ContactCursor(expected, value, id);
        } catch (DateTimeException | IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static InvalidInputException invalid() {
        return new InvalidInputException("cursor", "is not a cursor of this list");
    }
}
