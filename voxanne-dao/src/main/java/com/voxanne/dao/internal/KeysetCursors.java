package com.voxanne.dao.internal;

import com.voxanne.dao.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * The one encoding of the repositories' keyset cursors: URL-safe Base64 of {@code "<kind>|part|part…"}.
 * Opaque to callers; on the way back only what {@link #encode} produced for the same kind is accepted,
 * and anything else is refused as invalid input before it can reach SQL. Times travel as epoch
 * microseconds, PostgreSQL's timestamptz precision, so a position is exact.
 */
final class KeysetCursors {

    /** Longer than any cursor we hand out; a guard against decoding megabytes of junk. */
    private static final int MAX_LENGTH = 256;

    private KeysetCursors() {
    }

    /** The cursor of {@code kind} (a short tag such as {@code "c1"}) made of {@code parts}. */
    static String encode(String kind, String... parts) {
        String text = kind + "|" + String.join("|", parts);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The parts of a cursor of {@code kind} with exactly {@code count} parts.
     *
     * @throws InvalidInputException for anything else
     */
    static String[] decode(String cursor, String kind, int count, String list) {
        if (cursor == null || cursor.isEmpty() || cursor.length() > MAX_LENGTH) {
            throw invalid(list);
        }
        String[] all;
        try {
            all = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", -1);
        } catch (IllegalArgumentException e) {
            throw invalid(list);
        }
        if (all.length != count + 1 || !kind.equals(all[0])) {
            throw invalid(list);
        }
        String[] parts = new String[count];
        System.arraycopy(all, 1, parts, 0, count);
        return parts;
    }

    static String time(OffsetDateTime value) {
        return Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, value.toInstant()));
    }

    static OffsetDateTime time(String part, String list) {
        try {
            return Instant.EPOCH.plus(Long.parseLong(part), ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
            throw invalid(list);
        }
    }

    static UUID uuid(String part, String list) {
        try {
            UUID id = UUID.fromString(part);
            // UUID.fromString accepts short groups ("1-1-1-1-1"); a cursor we wrote never has them.
            if (!id.toString().equals(part)) {
                throw invalid(list);
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw invalid(list);
        }
    }

    static long positiveLong(String part, String list) {
        try {
            long value = Long.parseLong(part);
            if (value < 1) {
                throw invalid(list);
            }
            return value;
        } catch (NumberFormatException e) {
            throw invalid(list);
        }
    }

    static InvalidInputException invalid(String list) {
        return new InvalidInputException("cursor", "is not a cursor of this " + list);
    }
}
