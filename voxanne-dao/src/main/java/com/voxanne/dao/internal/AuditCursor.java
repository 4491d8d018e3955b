package com.voxanne.dao.internal;

import java.time.OffsetDateTime;

/**
 * Where a page of the audit trail ends: the last event's (event_time, id) in (event_time desc, id desc)
 * order; see {@link KeysetCursors}.
 */
record AuditCursor(OffsetDateTime eventTime, long id) {

    private static final String KIND = "a1";
    private static final String LIST = "audit trail";

    String encode() {
        return KeysetCursors.encode(KIND, KeysetCursors.time(eventTime), Long.toString(id));
    }

    /** @throws com.voxanne.dao.InvalidInputException for anything {@link #encode()} did not produce */
    static AuditCursor decode(String cursor) {
        String[] parts = KeysetCursors.decode(cursor, KIND, 2, LIST);
        return new AuditCursor(KeysetCursors.time(parts[0], LIST), KeysetCursors.positiveLong(parts[1], LIST));
    }
}
