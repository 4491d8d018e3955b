package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.CONTACTS;

import com.voxanne.dao.Contact;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NotFoundException;
import com.voxanne.schema.jooq.tables.records.ContactsRecord;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * {@link Contacts} inside one bound transaction. Every query also filters by the organization, so the
 * org-led indexes serve it; row-level security is the guarantee either way.
 */
final class ContactsImpl implements Contacts {

    private final DSLContext dsl;
    private final UUID organizationId;
    private final Inputs inputs;

    ContactsImpl(DSLContext dsl, UUID organizationId, Inputs inputs) {
        this.dsl = dsl;
        this.organizationId = organizationId;
        this.inputs = inputs;
    }

    @Override
    public Contact create(NewContact contact) {
        String name = inputs.name("name", contact.name(), 200);
        String phone = inputs.phone(contact.phone());
        String email = inputs.email(contact.email());
        if (contact.notes() != null && contact.notes().length() > 10_000) {
            throw new InvalidInputException("notes", "must be at most 10000 characters");
        }
        return map(dsl.insertInto(CONTACTS)
                .set(CONTACTS.ORG_ID, organizationId)
                .set(CONTACTS.NAME, name)
                .set(CONTACTS.PHONE, phone)
                .set(CONTACTS.EMAIL, email)
                .set(CONTACTS.SERVICE_INTERESTS, contact.serviceInterests())
                .set(CONTACTS.LEAD_SCORE, contact.leadScore())
                .set(CONTACTS.LEAD_STATUS, contact.leadStatus())
                .set(CONTACTS.NOTES, contact.notes())
                .returning()
                .fetchSingle());
    }

    @Override
    public Contact get(UUID id) {
        ContactsRecord row = dsl.selectFrom(CONTACTS)
                .where(CONTACTS.ORG_ID.eq(organizationId), CONTACTS.ID.eq(id))
                .fetchOne();
        if (row == null) {
            throw new NotFoundException("contact " + id);
        }
        return map(row);
    }

    @Override
    public Optional<Contact> findByPhone(String phone) {
        String normalized = inputs.phone(phone);
        if (normalized == null) {
            throw new InvalidInputException("phone", "must not be blank");
        }
        return dsl.selectFrom(CONTACTS)
                .where(CONTACTS.ORG_ID.eq(organizationId), CONTACTS.PHONE.eq(normalized))
                .fetchOptional()
                .map(ContactsImpl::map);
    }

    static Contact map(ContactsRecord r) {
        return new Contact(r.getId(), r.getOrgId(), r.getName(), r.getPhone(), r.getEmail(), r.getServiceInterests(),
                r.getLeadScore(), r.getLeadStatus(), r.getLastContactAt(), r.getNotes(), r.getCreatedAt(), r.getUpdatedAt());
    }
}
