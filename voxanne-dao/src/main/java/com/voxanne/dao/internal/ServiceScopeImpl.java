package com.voxanne.dao.internal;

import com.voxanne.dao.AuditTrail;
import com.voxanne.dao.NotificationMaintenance;
import com.voxanne.dao.Organization;
import com.voxanne.dao.Organizations;
import com.voxanne.dao.ServiceScope;
import com.voxanne.dao.WebhookEvents;
import com.voxanne.dao.TenantTransaction;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/** The DAO's engine: tenant units of work and the service scope, over one data source. */
public final class ServiceScopeImpl implements ServiceScope {

    private final Transactions transactions;
    private final Inputs inputs;
    private final Organizations organizations;
    private final WebhookEvents webhooks;
    private final NotificationMaintenance notifications;
    private final AuditTrail audit;

    /**
     * Over {@code dataSource}, with national phone numbers read in {@code phoneRegion}, every unit limited
     * by {@code timeouts} for its role and bound in the form {@code placement} needs, and every unit and
     * repository call reported to {@code observer}.
     */
    public ServiceScopeImpl(DataSource dataSource, String phoneRegion, RoleTimeouts timeouts,
                            VoxanneObserver observer, Placement placement) {
        this.transactions = new Transactions(dataSource, timeouts, observer, placement);
        this.inputs = new Inputs(phoneRegion);
        this.organizations = Observed.repository(Organizations.class,
                new OrganizationsImpl(transactions, inputs), observer);
        this.webhooks = Observed.repository(WebhookEvents.class, new WebhookEventsImpl(transactions, inputs), observer);
        this.notifications = Observed.repository(NotificationMaintenance.class,
                new NotificationMaintenanceImpl(transactions, inputs), observer);
        this.audit = Observed.repository(AuditTrail.class, new AuditTrailImpl(transactions, inputs), observer);
    }

    /** Who hears of each unit's and each repository call's end. */
    public VoxanneObserver observer() {
        return transactions.observer();
    }

    /** What every unit's binding reaches, for the units a subscription runs on its own connection. */
    public Placement placement() {
        return transactions.placement();
    }

    /**
     * Runs {@code work} as {@code userId} of {@code organizationId}, in one transaction; each repository
     * call of {@code work} is reported to the observer.
     */
    public <T> T inOrg(UUID organizationId, UUID userId, Function<TenantTransaction, T> work) {
        return transactions.inUnit(RequestClaims.user(organizationId, userId), Transactions.Mode.TRANSACTION,
                unit -> work.apply(new TenantTransactionImpl(unit, organizationId, userId, inputs,
                        transactions.observer())));
    }

    /**
     * Runs the one repository call {@code work} makes as {@code userId} of {@code organizationId} in
     * {@code mode}: single-statement mode only for work that sends exactly one statement (see
     * {@link UnitMode}). The caller reports the call; the unit's repositories do not report it again.
     */
    public <T> T perCall(UUID organizationId, UUID userId, Transactions.Mode mode, Function<TenantTransaction, T> work) {
        return transactions.inUnit(RequestClaims.user(organizationId, userId), mode,
                unit -> work.apply(TenantTransactionImpl.forOneCall(unit, organizationId, userId, inputs)));
    }

    /** {@code userId}'s own organization, {@code organizationId}: one SELECT, so one round trip. */
    public Organization organization(UUID organizationId, UUID userId) {
        return perCall(organizationId, userId, Transactions.Mode.SINGLE_STATEMENT, TenantTransaction::organization);
    }

    @Override
    public Organizations organizations() {
        return organizations;
    }

    @Override
    public WebhookEvents webhooks() {
        return webhooks;
    }

    @Override
    public NotificationMaintenance notifications() {
        return notifications;
    }

    @Override
    public AuditTrail audit() {
        return audit;
    }
}
