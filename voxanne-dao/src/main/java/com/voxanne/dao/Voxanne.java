package com.voxanne.dao;

import com.voxanne.dao.internal.BindingPlacement;
import com.voxanne.dao.internal.NotificationListener;
import com.voxanne.dao.internal.PerCallTransactions;
import com.voxanne.dao.internal.ServiceScopeImpl;
import com.voxanne.schema.session.ApiRole;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RoleTimeouts;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The entry point: tenant-bound repositories over a connection pool.
 *
 * <p>The pool's login role must be like Supabase's {@code authenticator}: LOGIN, NOINHERIT, neither
 * superuser nor BYPASSRLS, granted {@code authenticated} and {@code service_role}. {@link #create}
 * checks that and refuses otherwise. A HikariCP pool with {@code autoCommit=true} (the default) and
 * {@code maximumPoolSize} around twice the database's cores suits it; nothing is ever left on a
 * connection (every binding is transaction-local), so no connection-init SQL or reset is needed.
 * Nor does anything another borrower left on a connection reach a unit of work: its binding sets, for
 * its own transaction, the role, the claims, the per-claim settings older Supabase code reads (blanked),
 * and the role's statement and lock timeouts ({@link Builder#statementTimeout}, {@link Builder#lockTimeout}).
 * Thread-safe.
 */
public final class Voxanne {

    private final ServiceScopeImpl engine;
    /** The engine's pool, for what needs a connection of its own beyond a unit of work (subscriptions). */
    private final DataSource pool;
    /** The engine's timeouts, for the units a subscription runs on its own connection. */
    private final RoleTimeouts timeouts;

    private Voxanne(ServiceScopeImpl engine, DataSource pool, RoleTimeouts timeouts) {
        this.engine = engine;
        this.pool = pool;
        this.timeouts = timeouts;
    }

    /**
     * Voxanne over {@code pool}, reading national phone numbers as US numbers.
     *
     * @throws IllegalStateException when the pool logs in as a superuser or a BYPASSRLS role
     */
    public static Voxanne create(DataSource pool) {
        return builder(pool).build();
    }

    /** A builder, for the phone region, the timeouts, an observer or the local-experiment opt-out. */
    public static Builder builder(DataSource pool) {
        return new Builder(pool);
    }

    /**
     * Runs {@code work} as {@code context}'s user in {@code context}'s organization, in one transaction:
     * everything commits together, or nothing does.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public <T> T inOrg(OrgContext context, Function<TenantTransaction, T> work) {
        required(context, "inOrg");
        Objects.requireNonNull(work, "inOrg needs the work to run: work is null");
        return engine.inOrg(context.organizationId(), context.userId(), work);
    }

    /**
     * As {@link #inOrg(OrgContext, Function)}, for work that returns nothing.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public void runInOrg(OrgContext context, Consumer<TenantTransaction> work) {
        required(context, "runInOrg");
        Objects.requireNonNull(work, "runInOrg needs the work to run: work is null");
        inOrg(context, tx -> {
            work.accept(tx);
            return null;
        });
    }

    /**
     * The contacts of {@code context}'s organization; each call is a transaction of its own.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public Contacts contacts(OrgContext context) {
        return perCall(context, "contacts", Contacts.class, TenantTransaction::contacts);
    }

    /**
     * The appointments of {@code context}'s organization; each call is a transaction of its own.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public Appointments appointments(OrgContext context) {
        return perCall(context, "appointments", Appointments.class, TenantTransaction::appointments);
    }

    /**
     * {@code context}'s user's notifications; each call is a transaction of its own.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public Notifications notifications(OrgContext context) {
        return perCall(context, "notifications", Notifications.class, TenantTransaction::notifications);
    }

    private <R> R perCall(OrgContext context, String call, Class<R> type, Function<TenantTransaction, R> select) {
        required(context, call);
        // The proxy picks the mode per method: one round trip for a method that sends one statement.
        return PerCallTransactions.of(type,
                (mode, work) -> engine.perCall(context.organizationId(), context.userId(), mode, work), select,
                engine.observer(), engine.placement());
    }

    /**
     * Subscribes {@code listener} to {@code context}'s user's notification events (created, status
     * changed) in {@code context}'s organization, from PostgreSQL LISTEN/NOTIFY on
     * {@code voxanne_notifications}; events of other users and organizations never reach it. Any role that
     * can connect may NOTIFY on that channel, so an event is delivered only once its notification has been
     * read back, as {@code context}'s user under row-level security, and found to exist and be that
     * user's: its ids are confirmed, its {@linkplain NotificationEvent#operation() operation} is not (see
     * {@link NotificationEvent}). An event whose notification is gone by then is not delivered. Events
     * carry ids only; load a notification with {@code notifications(context).get(event.notificationId())}.
     *
     * <p>Each subscription holds ONE connection of the pool until it is closed, and polls it from a daemon
     * thread of its own, which checks the events of each poll (one query per 500 ids, on that same
     * connection, never a second one) and calls the listener (one event at a time, in commit order): size
     * the pool for it, keep the listener short, and close the subscription. A listener's exception is
     * logged and delivery goes on; a failed check ends the subscription like a failed connection
     * ({@link NotificationSubscription#isOpen()} turns false). Closing removes the LISTEN before the
     * connection goes back to the pool. Events committed while no subscription was open are not replayed:
     * list the notifications on (re)subscribing.
     *
     * <p>On a database distributed by Citus the trigger's NOTIFY is sent on the worker holding the
     * notification, which the pool does not reach; there the subscription instead reads, once a second, on
     * its connection, as the user under row-level security, the user's notifications changed since the
     * last read (one query routed to the organization's worker; no LISTEN): the same events, ids only,
     * each change once, up to a second later, changes between two reads as one event
     * (docs/adr/0022-notification-subscriptions-on-a-distributed-database.md).
     *
     * @throws TenantContextException when {@code context} is null
     * @throws DataAccessFailureException when no connection is available
     */
    public NotificationSubscription subscribeToNotifications(OrgContext context, Consumer<NotificationEvent> listener) {
        required(context, "subscribeToNotifications");
        Objects.requireNonNull(listener, "subscribeToNotifications needs a listener: listener is null");
        return NotificationListener.open(pool, context.organizationId(), context.userId(), listener, timeouts,
                engine.observer(), engine.placement());
    }

    /**
     * The acting user's own organization.
     *
     * @throws TenantContextException when {@code context} is null
     */
    public Organization organization(OrgContext context) {
        required(context, "organization");
        return engine.organization(context.organizationId(), context.userId());
    }

    /**
     * A missing context is a missing tenant, not a programming slip like a null lambda: it usually means the
     * request carried no verified organization or user (no JWT, a claim not mapped), so it is reported as
     * {@link OrgContext} reports a context without its ids, and a caller handles both in one place.
     */
    private static void required(OrgContext context, String call) {
        if (context == null) {
            throw new TenantContextException(call + " needs an OrgContext (the caller's organization and user,"
                    + " OrgContext.of or OrgContext.parse): the context is null");
        }
    }

    /** Backend work across organizations, as {@code service_role}. */
    public ServiceScope service() {
        return engine;
    }

    /** Configures a {@link Voxanne}. */
    public static final class Builder {
        private final DataSource pool;
        private String phoneRegion = "US";
        private RoleTimeouts timeouts = RoleTimeouts.defaults();
        private boolean allowPrivilegedLoginRole;
        private VoxanneObserver observer = VoxanneObserver.NONE;

        private Builder(DataSource pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
        }

        /** The ISO 3166 region of national phone numbers (default {@code US}). */
        public Builder phoneRegion(String region) {
            this.phoneRegion = Objects.requireNonNull(region, "region");
            return this;
        }

        /**
         * The {@code statement_timeout} of every unit of work that runs as {@code role}: a statement of
         * the unit that runs longer is cancelled and the unit fails with a
         * {@link DataAccessFailureException} (SQLSTATE 57014), nothing of it committed. Set
         * transaction-locally by the unit's binding, whatever the connection's session says. Defaults:
         * 8 s for {@link ApiRole#AUTHENTICATED} (everything bound to an {@link OrgContext}), no limit for
         * {@link ApiRole#SERVICE_ROLE} (the {@linkplain Voxanne#service() service scope}'s backend work).
         *
         * @param role    {@link ApiRole#AUTHENTICATED} or {@link ApiRole#SERVICE_ROLE}
         * @param timeout {@link Duration#ZERO} for no limit, else a whole number of milliseconds
         * @throws IllegalArgumentException when {@code role} is {@link ApiRole#ANON} (no unit of work runs
         *                                  as anon), or {@code timeout} is negative, not a whole number of
         *                                  milliseconds, or longer than {@value RoleTimeouts#MAX_MILLIS} ms
         */
        public Builder statementTimeout(ApiRole role, Duration timeout) {
            this.timeouts = timeouts.withStatementTimeout(usedRole(role), timeout);
            return this;
        }

        /**
         * The {@code lock_timeout} of every unit of work that runs as {@code role}: a unit that waits
         * longer for a lock (say, behind another clinic's {@code LOCK TABLE}) fails with a
         * {@link DataAccessFailureException} (SQLSTATE 55P03) instead of holding its pooled connection
         * until the pool runs dry; nothing of it is committed. Set transaction-locally by the unit's
         * binding, whatever the connection's session says. Defaults: 3 s for
         * {@link ApiRole#AUTHENTICATED}, 10 s for {@link ApiRole#SERVICE_ROLE}.
         *
         * @param role    {@link ApiRole#AUTHENTICATED} or {@link ApiRole#SERVICE_ROLE}
         * @param timeout {@link Duration#ZERO} for no limit, else a whole number of milliseconds
         * @throws IllegalArgumentException as {@link #statementTimeout(ApiRole, Duration)}
         */
        public Builder lockTimeout(ApiRole role, Duration timeout) {
            this.timeouts = timeouts.withLockTimeout(usedRole(role), timeout);
            return this;
        }

        /** A role some unit of work runs as: a limit for anon would silently apply to nothing. */
        private static ApiRole usedRole(ApiRole role) {
            if (Objects.requireNonNull(role, "role") == ApiRole.ANON) {
                throw new IllegalArgumentException("no unit of work of the DAO runs as anon: set the timeouts of "
                        + ApiRole.AUTHENTICATED.roleName() + " or " + ApiRole.SERVICE_ROLE.roleName());
            }
            return role;
        }

        /**
         * Reports every repository call, unit of work, webhook intake and notification subscription to
         * {@code observer} (for metrics: {@code com.voxanne.dao.metrics.VoxanneMetrics}). Without one,
         * nothing is timed.
         */
        public Builder observer(VoxanneObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * Skips the login-role check. With a superuser or BYPASSRLS login role, row-level security does
         * not apply and tenants are NOT isolated: for local experiments only, never with patient data.
         */
        public Builder allowPrivilegedLoginRoleUnsafeForLocalExperimentsOnly() {
            this.allowPrivilegedLoginRole = true;
            return this;
        }

        /**
         * The configured {@link Voxanne}.
         *
         * <p>Reads, once, whether the database is distributed by Citus; if it is, every unit binds in the form
         * a distributed database needs (docs/adr/0018-binding-on-a-distributed-database.md). A database
         * distributed after this call is not noticed: its shard queries find no row until Voxanne is built
         * again.
         *
         * @throws IllegalStateException when the login role is privileged and the opt-out was not chosen; when
         *                               the database cannot be read; or when it is distributed and the pool's
         *                               PgJDBC connections use {@code preferQueryMode=simple}
         */
        public Voxanne build() {
            // Decided once per Voxanne: a database distributed later keeps the single-server binding, whose
            // shard queries find no row (fail closed) until Voxanne is built again.
            Placement placement = BindingPlacement.of(pool, !allowPrivilegedLoginRole);
            return new Voxanne(new ServiceScopeImpl(pool, phoneRegion, timeouts, observer, placement), pool, timeouts);
        }
    }
}
