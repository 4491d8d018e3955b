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

/**
 * The repositories of one organization on one bound connection, each made when first asked for (a
 * per-call unit uses one of them).
 */
final class TenantTransactionImpl implements TenantTransaction {

    private final Unit unit;
    private final UUID organizationId;
    private final UUID userId;
    private final Inputs inputs;
    /** Null for the one call of a per-call unit, whose failures {@link Transactions} translates as they leave it. */
    private final VoxanneObserver observer;
    private Contacts contacts;
    private Appointments appointments;
    private Notifications notifications;

    /**
     * For the caller's own work ({@code inOrg}, a webhook handler): {@code userId} is null in a service
     * scope; each repository call is reported to {@code observer}, its failures translated as it returns.
     * {@code observer} is null only for the one call of a per-call unit ({@link #forOneCall}).
     */
    TenantTransactionImpl(Unit unit, UUID organizationId, UUID userId, Inputs inputs, VoxanneObserver observer) {
        this.unit = unit;
        this.organizationId = organizationId;
        this.userId = userId;
        this.inputs = inputs;
        this.observer = observer;
    }

    /**
     * For the one repository call of a per-call unit: the repositories are the implementations themselves.
     * The call's failure leaves through the unit, which translates it as a repository of {@code inOrg}
     * would, and the per-call proxy reports the call.
     */
    static TenantTransactionImpl forOneCall(Unit unit, UUID organizationId, UUID userId, Inputs inputs) {
        return new TenantTransactionImpl(unit, organizationId, userId, inputs, null);
    }

    /**
     * {@code implementation} as the caller's work sees it: its failures translated as they leave it
     * ({@link TranslatedRepository}: code inside the unit sees the DAO's exceptions), each call reported.
     */
    private <R> R repository(Class<R> type, R implementation) {
        return observer == null ? implementation : TranslatedRepository.of(type, implementation, unit, observer);
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
        if (contacts == null) {
            contacts = repository(Contacts.class, new ContactsImpl(unit, organizationId, inputs));
        }
        return contacts;
    }

    @Override
    public Appointments appointments() {
        if (appointments == null) {
            appointments = repository(Appointments.class, new AppointmentsImpl(unit, organizationId, inputs));
        }
        return appointments;
    }

    @Override
    public Notifications notifications() {
        if (notifications == null) {
            notifications = repository(Notifications.class, new NotificationsImpl(unit, organizationId, userId, inputs));
        }
        return notifications;
    }

    @Override
    public Organization organization() {
        return OrganizationsImpl.find(unit, organizationId);
    }

    @Override
    public DSLContext dsl() {
        return unit.callerDsl();
    }
}
