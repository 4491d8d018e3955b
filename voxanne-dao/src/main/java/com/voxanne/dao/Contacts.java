package com.voxanne.dao;

import java.util.Optional;
import java.util.UUID;

/** The contacts (leads, patients) of the organization a unit of work is bound to. */
public interface Contacts {

    /**
     * Creates a contact.
     *
     * @throws InvalidInputException for a blank name, an impossible phone number or an invalid e-mail
     * @throws DuplicateException when the phone number is already used in this organization
     */
    Contact create(NewContact contact);

    /** The contact with this id. @throws NotFoundException when there is none in this organization */
    Contact get(UUID id);

    /** The contact with this phone number (any common format), if any. */
    Optional<Contact> findByPhone(String phone);
}
