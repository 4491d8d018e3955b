package com.voxanne.dao.internal;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Where a page of appointments ends: the last row's (scheduled_at, id); see {@link KeysetCursors}. */
record AppointmentCursor(OffsetDateTime scheduledAt, UUID id) {

    private static final String KIND = "p1";
    private static final String LIST = "appointment list";

    String encode() {
        return KeysetCursors.encode(KIND, KeysetCursors.time(scheduledAt), id.toString());
    }

    static AppointmentCursor decode(String cursor) {
        String[] parts = KeysetCursors.decode(cursor, KIND, 2, LIST);
        return new AppointmentCursor(KeysetCursors.time(parts[0], LIST), KeysetCursors.uuid(parts[1], LIST));
    }
}
