package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Set;

/**
 * A partial update of a contact for {@link Contacts#update}: only the fields set here change. Immutable:
 * each setter returns a copy. Phone, e-mail and notes may be set to {@code null} to clear them; name,
 * service interests, lead score and lead status may not (an {@link InvalidInputException} when the
 * update runs). Values are validated and normalized as in {@link Contacts#create}.
 *
 * <pre>{@code
 * contacts.update(id, ContactUpdate.empty().leadStatus(LeadStatusType.QUALIFIED).email(null));
 * }</pre>
 */
public final class ContactUpdate {

    /** A field a {@link ContactUpdate} can change. */
    public enum Field {
        /** The display name. */
        NAME,
        /** The phone number. */
        PHONE,
        /** The e-mail address. */
        EMAIL,
        /** The service interests. */
        SERVICE_INTERESTS,
        /** The lead score. */
        LEAD_SCORE,
        /** The lead status. */
        LEAD_STATUS,
        /** The internal notes. */
        NOTES
    }

    // Absent key = unchanged; present key = the new value, which may be null (clear). An EnumMap allows
    // null values, which is exactly the distinction a patch needs.
    private final EnumMap<Field, Object> changes;

    private ContactUpdate(EnumMap<Field, Object> changes) {
        this.changes = changes;
    }

    /** An update that changes nothing yet. */
    public static ContactUpdate empty() {
        return new ContactUpdate(new EnumMap<>(Field.class));
    }

    private ContactUpdate with(Field field, Object value) {
        EnumMap<Field, Object> copy = new EnumMap<>(changes);
        copy.put(field, value);
        return new ContactUpdate(copy);
    }

    /** Renames the contact. */
    public ContactUpdate name(String name) {
        return with(Field.NAME, name);
    }

    /** Sets the phone number (any common format), or clears it with {@code null}. */
    public ContactUpdate phone(String phone) {
        return with(Field.PHONE, phone);
    }

    /** Sets the e-mail address, or clears it with {@code null}. */
    public ContactUpdate email(String email) {
        return with(Field.EMAIL, email);
    }

    /** Replaces the service interests; an empty list clears them. */
    public ContactUpdate serviceInterests(List<String> interests) {
        // A copy that tolerates null elements, so that they are reported as invalid input, not as an NPE here.
        return with(Field.SERVICE_INTERESTS, interests == null ? null : Collections.unmodifiableList(new ArrayList<>(interests)));
    }

    /** Sets the lead score. */
    public ContactUpdate leadScore(LeadScoreType score) {
        return with(Field.LEAD_SCORE, score);
    }

    /** Sets the lead status. */
    public ContactUpdate leadStatus(LeadStatusType status) {
        return with(Field.LEAD_STATUS, status);
    }

    /** Sets the notes, or clears them with {@code null}. */
    public ContactUpdate notes(String notes) {
        return with(Field.NOTES, notes);
    }

    /** The fields this update changes. */
    public Set<Field> fields() {
        return Collections.unmodifiableSet(changes.keySet());
    }

    /** Whether it changes nothing. */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** Whether it changes {@code field}. */
    public boolean changes(Field field) {
        return changes.containsKey(field);
    }

    /** The new name, {@code null} when unchanged or set to null. */
    public String name() {
        return (String) changes.get(Field.NAME);
    }

    /** The new phone as given, {@code null} when unchanged or cleared (see {@link #changes}). */
    public String phone() {
        return (String) changes.get(Field.PHONE);
    }

    /** The new e-mail as given, {@code null} when unchanged or cleared (see {@link #changes}). */
    public String email() {
        return (String) changes.get(Field.EMAIL);
    }

    /** The new service interests, {@code null} when unchanged or set to null. */
    @SuppressWarnings("unchecked")
    public List<String> serviceInterests() {
        return (List<String>) changes.get(Field.SERVICE_INTERESTS);
    }

    /** The new lead score, {@code null} when unchanged or set to null. */
    public LeadScoreType leadScore() {
        return (LeadScoreType) changes.get(Field.LEAD_SCORE);
    }

    /** The new lead status, {@code null} when unchanged or set to null. */
    public LeadStatusType leadStatus() {
        return (LeadStatusType) changes.get(Field.LEAD_STATUS);
    }

    /** The new notes, {@code null} when unchanged or cleared (see {@link #changes}). */
    public String notes() {
        return (String) changes.get(Field.NOTES);
    }

    /**
     * The fields it changes, in {@link Field} order: lead score and status as themselves, the others
     * (patient data) as {@code <redacted>}, or {@code null} for a field it clears.
     */
    @Override
    public String toString() {
        Redaction text = Redaction.of("ContactUpdate");
        changes.forEach((field, value) -> {
            String name = switch (field) {
                case NAME -> "name";
                case PHONE -> "phone";
                case EMAIL -> "email";
                case SERVICE_INTERESTS -> "serviceInterests";
                case LEAD_SCORE -> "leadScore";
                case LEAD_STATUS -> "leadStatus";
                case NOTES -> "notes";
            };
            if (field == Field.LEAD_SCORE || field == Field.LEAD_STATUS) {
                text.plain(name, value);
            } else {
                text.secret(name, value);
            }
        });
        return text.toString();
    }
}
