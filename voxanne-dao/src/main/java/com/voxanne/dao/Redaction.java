package com.voxanne.dao;

import java.util.Collection;
import java.util.StringJoiner;

/**
 * The one format of the {@code toString()} of the package's types that hold patient data (see the
 * package documentation): {@code Type[name=value, ...]} in declaration order, where ids, organizations,
 * statuses, enums, times, flags and counts print as themselves and patient data prints as
 * {@value #REDACTED} when present and {@code null} when absent (an empty collection as {@code []}), so a
 * log line tells which fields are set without ever holding their values.
 */
final class Redaction {

    /** What a present patient-data value prints as. */
    static final String REDACTED = "<redacted>";

    private final StringJoiner fields;

    private Redaction(String type) {
        this.fields = new StringJoiner(", ", type + "[", "]");
    }

    /** Starts the text of a {@code type}. */
    static Redaction of(String type) {
        return new Redaction(type);
    }

    /** A field that is not patient data, printed as itself. */
    Redaction plain(String name, Object value) {
        fields.add(name + "=" + value);
        return this;
    }

    /** A field that is (or may be) patient data: whether it is set, never what it is. */
    Redaction secret(String name, Object value) {
        fields.add(name + "=" + redact(value));
        return this;
    }

    /** {@value #REDACTED}, {@code null}, or {@code []} for an empty collection. */
    static String redact(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Collection<?> collection && collection.isEmpty()) {
            return "[]";
        }
        return REDACTED;
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
