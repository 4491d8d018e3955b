package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.Organization;
import com.voxanne.dao.TenantTransaction;
import com.voxanne.dao.VoxanneObserver;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/** The repositories of one organization on one bound connection. */
final class TenantTransactionImpl implements TenantTransaction {

    private final Unit unit;
    private final UUID organizationId;
    private final UUID userId;
    private final Contacts contacts;
    private final Appointments appointments;
    private final Notifications notifications;

    /** {@code userId} is null in a service scope; each repository call is reported to {@code observer}. */
    TenantTransactionImpl(Unit unit, UUID organizationId, UUID userId, Inputs inputs, VoxanneObserver observer) {
        this.unit = unit;
        this.organizationId = organizationId;
        this.userId = userId;
        // translated here, not only where the unit ends: code inside the unit sees the DAO's exceptions
        this.contacts = TranslatedRepository.of(Contacts.class, new ContactsImpl(unit, organizationId, inputs),
                unit, observer);
        this.appointments = TranslatedRepository.of(Appointments.class,
                new AppointmentsImpl(unit, organizationId, inputs), unit, observer);
        this.notifications = TranslatedRepository.of(Notifications.class,
                new NotificationsImpl(unit, organizationId, userId, inputs), unit, observer);
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
        return OrganizationsImpl.find(unit.dsl(), organizationId);
    }

    @Override
    public DSLContext dsl() {
        return unit.callerDsl();
    }
}
