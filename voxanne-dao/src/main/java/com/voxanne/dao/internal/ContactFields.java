package com.voxanne.dao.internal;

import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.NewContact;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Validation and normalization of a contact's fields, shared by create, update and import so that the
 * three accept exactly the same values (and the same ones the table's CHECK constraints accept).
 */
final class ContactFields {

    static final int NAME_MAX = 200;
    static final int NOTES_MAX = 10_000;
    static final int INTEREST_MAX = 100;
    static final int INTERESTS_MAX = 50;

    /**
     * A contact ready for SQL; a field that failed validation is {@code null} (and was reported).
     */
    record Valid(String name, String phone, String email, List<String> serviceInterests,
                 LeadScoreType leadScore, LeadStatusType leadStatus, String notes) {

        /** Scores and statuses only: the rest is patient data, which no text of the library holds. */
        @Override
        public String toString() {
            return "Valid[leadScore=" + leadScore + ", leadStatus=" + leadStatus + "]";
        }
    }

    private final Inputs inputs;

    ContactFields(Inputs inputs) {
        this.inputs = inputs;
    }

    /**
     * Checks every field of {@code contact}, reporting each invalid one to {@code errors} rather than
     * stopping at the first, so that a bulk import can list all problems of a row at once.
     */
    Valid validate(NewContact contact, Consumer<InvalidInputException> errors) {
        return new Valid(
                check(() -> name(contact.name()), errors),
                check(() -> inputs.phone(contact.phone()), errors),
                check(() -> inputs.email(contact.email()), errors),
                check(() -> serviceInterests(contact.serviceInterests()), errors),
                contact.leadScore(),
                contact.leadStatus(),
                check(() -> notes(contact.notes()), errors));
    }

    /** {@code contact} checked; the first problem is thrown. */
    Valid validate(NewContact contact) {
        List<InvalidInputException> errors = new ArrayList<>();
        Valid valid = validate(contact, errors::add);
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
        return valid;
    }

    private static <T> T check(Supplier<T> field, Consumer<InvalidInputException> errors) {
        try {
            return field.get();
        } catch (InvalidInputException e) {
            errors.accept(e);
            return null;
        }
    }

    String name(String value) {
        return inputs.name("name", value, NAME_MAX);
    }

    String phone(String value) {
        return inputs.phone(value);
    }

    String email(String value) {
        return inputs.email(value);
    }

    /** The notes as given ({@code null} or blank clears them), at most {@value #NOTES_MAX} characters. */
    String notes(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > NOTES_MAX) {
            throw new InvalidInputException("notes", "must be at most " + NOTES_MAX + " characters");
        }
        return value;
    }

    /** Trimmed, without repeats, in the order given: the free-text list of services a lead asked about. */
    List<String> serviceInterests(List<String> values) {
        if (values == null) {
            throw new InvalidInputException("serviceInterests", "must not be null; an empty list clears them");
        }
        Set<String> interests = new LinkedHashSet<>();
        for (String value : values) {
            interests.add(serviceInterest(value));
        }
        if (interests.size() > INTERESTS_MAX) {
            throw new InvalidInputException("serviceInterests", "must be at most " + INTERESTS_MAX + " services");
        }
        return List.copyOf(interests);
    }

    /** One trimmed service name of 1 to {@value #INTEREST_MAX} characters. */
    String serviceInterest(String value) {
        return inputs.name("serviceInterests", value, INTEREST_MAX);
    }

    /** A value a patch may not clear. */
    static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidInputException(field, "must not be null");
        }
        return value;
    }
}
