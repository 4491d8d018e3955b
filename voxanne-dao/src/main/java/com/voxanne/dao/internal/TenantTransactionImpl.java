package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.Organization;
import com.voxanne.dao.TenantTransaction;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/** The repositories of one organization on one bound connection. */
final class TenantTransactionImpl implements TenantTransaction {

    private final DSLContext dsl;
    private final UUID organizationId;
    private final UUID userId;
    private final Contacts contacts;
    private final Appointments appointments;
    private final Notifications notifications;

    /** {@code userId} is null in a service scope. */
    TenantTransactionImpl(DSLContext dsl, UUID organizationId, UUID userId, Inputs inputs) {
        this.dsl = dsl;
        this.organizationId = organizationId;
        this.userId = userId;
        this.contacts = new ContactsImpl(dsl, organizationId, inputs);
        this.appointments = new AppointmentsImpl(dsl, organizationId, inputs);
        this.notifications = new NotificationsImpl(dsl, organizationId, userId, inputs);
    }

    @Override
    public UUID organizationId() {
        return organizationId;
    }

    @Override
    public Optional<UUID> userId() {
        return Optional.ofNullable(userId);
    }

    @Override
    public Contacts contacts() {
        return contacts;
    }

    @Override
    public Appointments appointments() {
        return appointments;
    }

    @Override
    public Notifications notifications() {
        return notifications;
    }

    @Override
    public Organization organization() {
        return OrganizationsImpl.find(dsl, organizationId);
    }
}
