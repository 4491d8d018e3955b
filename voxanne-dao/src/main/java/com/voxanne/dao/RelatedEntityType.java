package com.voxanne.dao;

/**
 * What kind of row a notification points at: the values {@code notifications.related_entity_type} accepts
 * (check constraint {@code ck_notifications_related_entity_type}). A text column, not a PostgreSQL enum,
 * hence defined here rather than generated.
 */
public enum RelatedEntityType {
    /** A lead or patient. */
    CONTACT("contact"),
    /** An appointment. */
    APPOINTMENT("appointment"),
    /** A phone call. */
    CALL("call"),
    /** The system itself (no row). */
    SYSTEM("system");

    private final String literal;

    RelatedEntityType(String literal) {
        this.literal = literal;
    }

    /** The string stored in the column. */
    public String literal() {
        return literal;
    }

    /**
     * The value stored as {@code literal}.
     *
     * @throws IllegalArgumentException for a string the column's check constraint would not accept
     */
    public static RelatedEntityType fromLiteral(String literal) {
        for (RelatedEntityType type : values()) {
            if (type.literal.equals(literal)) {
                return type;
            }
        }
        throw new IllegalArgumentException("not a related entity type: " + literal);
    }
}
