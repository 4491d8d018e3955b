package com.voxanne.dao.internal;

import com.voxanne.dao.ContactSort;
import com.voxanne.dao.InvalidInputException;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Where a page of contacts ends: the order, the last row's sort value ({@code null} for a contact never
 * contacted in {@link ContactSort#LAST_CONTACT} order) and its id; see {@link KeysetCursors}. The order
 * travels with the cursor so that a cursor of one order is refused by a list in another.
 */
record ContactCursor(ContactSort sort, OffsetDateTime value, UUID id) {

    private static final String KIND = "c1";
    private static final String LIST = "contact list";
    private static final String NO_VALUE = "-";

    String encode() {
        return KeysetCursors.encode(KIND, sort.name(), value == null ? NO_VALUE : KeysetCursors.time(value), id.toString());
    }

    /** The cursor {@code encoded}, handed out by a list in {@code expected} order. */
    static ContactCursor decode(String encoded, ContactSort expected) {
        String[] parts = KeysetCursors.decode(encoded, KIND, 3, LIST);
        if (!expected.name().equals(parts[0])) {
            throw new InvalidInputException("cursor", "belongs to a list in another order than " + expected);
        }
        // Only LAST_CONTACT has a nullable sort column; the others always carry a time.
        boolean noValue = NO_VALUE.equals(parts[1]);
        if (noValue && expected != ContactSort.LAST_CONTACT) {
            throw KeysetCursors.invalid(LIST);
        }
        OffsetDateTime value = noValue ? null : KeysetCursors.time(parts[1], LIST);
        return new ContactCursor(expected, value, KeysetCursors.uuid(parts[2], LIST));
    }
}
