package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A channel a notification is delivered on: the elements allowed in {@code notifications.channels} by the
 * check constraint {@code ck_notifications_channels}. Not a PostgreSQL enum (the column is a jsonb array),
 * hence defined here rather than generated.
 */
public enum NotificationChannel {
    /** Shown in the dashboard. */
    IN_APP("in_app"),
    /** Sent by e-mail. */
    EMAIL("email"),
    /** Sent by text message. */
    SMS("sms"),
    /** Sent as a mobile push notification. */
    PUSH("push");

    private final String literal;

    NotificationChannel(String literal) {
        this.literal = literal;
    }

    /** The string stored in the jsonb array. */
    @JsonValue
    public String literal() {
        return literal;
    }
}
