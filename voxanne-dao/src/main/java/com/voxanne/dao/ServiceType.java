package com.voxanne.dao;

/**
 * What an appointment is for: the values the database's {@code ck_appointments_service_type} accepts. A
 * check constraint on a text column, not a PostgreSQL enum type, hence written here rather than generated.
 */
public enum ServiceType {
    /** A first consultation. */
    CONSULTATION("consultation"),
    /** A botox treatment. */
    BOTOX("botox"),
    /** A dermal filler treatment. */
    FILLER("filler"),
    /** Anything else. */
    OTHER("other");

    private final String literal;

    ServiceType(String literal) {
        this.literal = literal;
    }

    /** The value stored in {@code appointments.service_type}, for example {@code botox}. */
    public String literal() {
        return literal;
    }

    /**
     * The service type named {@code value} (case and surrounding blanks ignored), for callers that receive
     * it as text, for example from a voice agent's tool call; as {@link Literals#parse} reads every enum.
     *
     * @throws InvalidInputException ({@code serviceType}) when it is none of them, naming them all
     */
    public static ServiceType of(String value) {
        return Literals.parse(ServiceType.class, "serviceType", value);
    }
}
