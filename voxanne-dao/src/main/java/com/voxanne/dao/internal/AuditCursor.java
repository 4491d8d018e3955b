package com.voxanne.dao.internal;

import com.voxanne.dao.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The opaque keyset cursor of the audit trail: URL-safe Base64 of {@code "<event_time in epoch
 * microseconds>|<id>"}, the position of the last event of a page in (event_time desc, id desc) order.
 * Microseconds are PostgreSQL's timestamptz precision, so the position is exact.
 */
record AuditCursor(OffsetDateTime eventTime, long id) {

    private static final String PREFIX = "a1|";

    String encode() {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, eventTime.toInstant());
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + micros + "|" + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** @throws InvalidInputException("cursor", ...) for anything {@link #encode()} did not produce */
    static AuditCursor decode(String cursor) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (!text.startsWith(PREFIX)) {
            throw invalid();
        }
        String[] parts = text.substring(PREFIX.length()).split("\\|", -1);
        if (parts.length != 2) {
            throw invalid();
        }
        try {
            long micros = Long.parseLong(parts[0]);
            long id = Long.parseLong(parts[1]);
            if (id < 1) {
                throw invalid();
            }
            Instant time = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
            return new AuditCursor(time.atOffset(ZoneOffset.UTC), id);
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw invalid();
        }
    }

    private static InvalidInputException invalid() {
        return new InvalidInputException("cursor", "is not a cursor of this audit trail");
    }
}
