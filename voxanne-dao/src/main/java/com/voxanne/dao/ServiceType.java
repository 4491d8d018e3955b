package com.voxanne.dao;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an appointment is for: the values the database's {@code ck_appointments_service_type} accepts. */
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
     * it as text, for example from a voice agent's tool call.
     *
     * @throws InvalidInputException ({@code serviceType}) when it is none of them
     */
    public static ServiceType of(String value) {
        String wanted = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(type -> type.literal.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new InvalidInputException("serviceType", "must be one of "
                        + Arrays.stream(values()).map(ServiceType::literal).collect(Collectors.joining(", "))));
    }
}
