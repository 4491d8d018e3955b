package com.voxanne.dao.internal;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Where a page of notifications ends: the last row's (created_at, id); see {@link KeysetCursors}. */
record NotificationCursor(OffsetDateTime createdAt, UUID id) {

    private static final String KIND = "n1";
    private static final String LIST = "notification list";

    String encode() {
        return KeysetCursors.encode(KIND, KeysetCursors.time(createdAt), id.toString());
    }

    static NotificationCursor parse(String cursor) {
        String[] parts = KeysetCursors.decode(cursor, KIND, 2, LIST);
        return new NotificationCursor(KeysetCursors.time(parts[0], LIST), KeysetCursors.uuid(parts[1], LIST));
    }
}
