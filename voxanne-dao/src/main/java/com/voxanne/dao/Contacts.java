package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The contacts (leads, patients) of the organization a unit of work is bound to. A contact of another
 * organization is never seen: for every method taking an id it is "not found", like an id that does not
 * exist.
 */
public interface Contacts {

    /** The most contacts one {@link #importAll} takes. */
    int MAX_IMPORT = 1000;

    /**
     * Creates a contact. With a caller-chosen {@linkplain NewContact#id(UUID) id} it is safe to retry: when
     * this organization already has a contact with that id, nothing is created and that contact is
     * returned as it is now. Without one, a retry after the first attempt committed is refused with
     * {@link DuplicateException} ({@code uq_contacts_org_phone}) if the contact has a phone number, and
     * creates a second contact if it has none.
     *
     * @throws InvalidInputException for a blank name, an impossible phone number or an invalid e-mail
     * @throws DuplicateException when the phone number is already used in this organization by another
     *         contact ({@code uq_contacts_org_phone}), or the chosen id by another organization
     *         ({@code contacts_pkey}, as a colliding random id would be). On a database distributed by
     *         Citus ids are unique per organization: the chosen id of another organization's contact
     *         creates this organization's own, and tells nothing about the other (docs/citus.md, fact 27)
     */
    Contact create(NewContact contact);

    /** The contact with this id. @throws NotFoundException when there is none in this organization */
    Contact get(UUID id);

    /** The contact with this phone number (any common format), if any. */
    Optional<Contact> findByPhone(String phone);

    /**
     * Changes the fields {@code update} sets, and only those; an update that sets nothing changes nothing
     * and returns the contact as it is.
     *
     * @return the contact as updated
     * @throws InvalidInputException for an invalid value, or {@code null} for a field that cannot be cleared
     * @throws DuplicateException when the new phone number is already used in this organization
     * @throws NotFoundException when there is no such contact in this organization
     */
    Contact update(UUID id, ContactUpdate update);

    /**
     * Deletes a contact, and with it its appointments.
     *
     * @throws NotFoundException when there is no such contact in this organization
     */
    void delete(UUID id);

    /**
     * One page of the contacts {@code query} selects, in its order. Pass the page's
     * {@link Page#nextCursor()} to {@link ContactQuery#after(String)} for the next one.
     *
     * @throws InvalidInputException for a cursor this list did not hand out (or of another order), or a
     *         search or service interest that is too long
     */
    Page<Contact> list(ContactQuery query);

    /** How many contacts have each lead status; every status is a key, with 0 where there are none. */
    Map<LeadStatusType, Long> countsByLeadStatus();

    /**
     * Records that the contact was reached just now (the transaction's time): sets its last contact time,
     * nothing else.
     *
     * @return the contact as updated
     * @throws NotFoundException when there is no such contact in this organization
     */
    Contact touch(UUID id);

    /**
     * Records a contact (a call, a message) made at {@code when}: the last contact time becomes
     * {@code when} unless a later one is already recorded (webhooks arrive out of order), and a lead still
     * {@link LeadStatusType#NEW new} becomes {@link LeadStatusType#CONTACTED contacted}.
     *
     * @return the contact as updated
     * @throws InvalidInputException when {@code when} is missing or more than five minutes in the future
     * @throws NotFoundException when there is no such contact in this organization
     */
    Contact recordContact(UUID id, OffsetDateTime when);

    /**
     * Creates all of {@code contacts}, or none. Every row is validated first, and so are phone numbers
     * used twice in the list or already used in this organization; then all are inserted at once.
     *
     * <p>Ids chosen with {@link NewContact#id(UUID)} are used, but do not make an import safe to retry:
     * an id already taken fails the whole import with {@link DuplicateException}.
     *
     * @return the created contacts, in the order given
     * @throws BulkImportException listing every invalid row (by its index in {@code contacts}); nothing
     *         was created
     * @throws InvalidInputException when the list itself is missing or longer than {@value #MAX_IMPORT}
     */
    List<Contact> importAll(List<NewContact> contacts);
}
