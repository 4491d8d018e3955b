package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A contact to create; build with {@link #named(String)}. Immutable: each setter returns a copy. The
 * phone is normalized to E.164 and the e-mail validated when the contact is created. Its
 * {@link #toString()} shows which fields are set, never the patient's data.
 */
public final class NewContact {

    private final String name;
    private final String phone;
    private final String email;
    private final List<String> serviceInterests;
    private final LeadScoreType leadScore;
    private final LeadStatusType leadStatus;
    private final String notes;
    private final UUID id;

    private NewContact(String name, String phone, String email, List<String> serviceInterests,
                       LeadScoreType leadScore, LeadStatusType leadStatus, String notes, UUID id) {
        this.name = name;
        this.phone = phone;
        this.email = email;
        this.serviceInterests = serviceInterests;
        this.leadScore = leadScore;
        this.leadStatus = leadStatus;
        this.notes = notes;
        this.id = id;
    }

    /** A new lead called {@code name}: cold, status new, no phone, no e-mail. */
    public static NewContact named(String name) {
        return new NewContact(name, null, null, List.of(), LeadScoreType.COLD, LeadStatusType.NEW, null, null);
    }

    /** With a phone number in any common format (national numbers use the DAO's default region). */
    public NewContact phone(String phone) {
        return new NewContact(name, phone, email, serviceInterests, leadScore, leadStatus, notes, id);
    }

    /** With an e-mail address. */
    public NewContact email(String email) {
        return new NewContact(name, phone, email, serviceInterests, leadScore, leadStatus, notes, id);
    }

    /** With the services the lead asked about. */
    public NewContact serviceInterests(List<String> interests) {
        return new NewContact(name, phone, email, List.copyOf(interests), leadScore, leadStatus, notes, id);
    }

    /** With a lead score. */
    public NewContact leadScore(LeadScoreType score) {
        return new NewContact(name, phone, email, serviceInterests, Objects.requireNonNull(score), leadStatus, notes, id);
    }

    /** With a lead status. */
    public NewContact leadStatus(LeadStatusType status) {
        return new NewContact(name, phone, email, serviceInterests, leadScore, Objects.requireNonNull(status), notes, id);
    }

    /** With internal notes. */
    public NewContact notes(String notes) {
        return new NewContact(name, phone, email, serviceInterests, leadScore, leadStatus, notes, id);
    }

    /**
     * With an id chosen by the caller, which makes the create safe to retry: a create whose id is already
     * a contact of this organization creates nothing and returns that contact as it is now (whatever the
     * retry's other fields), so a retry after an {@linkplain DataAccessFailureException#outcomeUnknown()
     * unknown outcome} either creates the contact or returns the one the first attempt created. Generate
     * it once per contact to create (a random UUID) and keep it for the retries. An id used by another
     * organization is refused like a colliding random id, with a {@link DuplicateException} on
     * {@code contacts_pkey}, and tells nothing else about that row.
     */
    public NewContact id(UUID contactId) {
        return new NewContact(name, phone, email, serviceInterests, leadScore, leadStatus, notes, contactId);
    }

    /** The name as given. */
    public String name() {
        return name;
    }

    /** The phone as given, or {@code null}. */
    public String phone() {
        return phone;
    }

    /** The e-mail as given, or {@code null}. */
    public String email() {
        return email;
    }

    /** The service interests. */
    public List<String> serviceInterests() {
        return serviceInterests;
    }

    /** The lead score. */
    public LeadScoreType leadScore() {
        return leadScore;
    }

    /** The lead status. */
    public LeadStatusType leadStatus() {
        return leadStatus;
    }

    /** The notes, or {@code null}. */
    public String notes() {
        return notes;
    }

    /** The caller-chosen id, or {@code null} for one the create picks. */
    public UUID id() {
        return id;
    }

    /** Id, lead score and status; name, phone, e-mail, service interests and notes only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("NewContact").plain("id", id).secret("name", name).secret("phone", phone).secret("email", email)
                .secret("serviceInterests", serviceInterests).plain("leadScore", leadScore)
                .plain("leadStatus", leadStatus).secret("notes", notes).toString();
    }
}
