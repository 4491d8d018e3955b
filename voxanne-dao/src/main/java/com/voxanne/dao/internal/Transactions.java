package com.voxanne.dao.internal;

import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.VoxanneObserver.UnitKind;
import com.voxanne.schema.session.ApiRole;
import com.voxanne.schema.internal.JooqBanner;
import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.CacheContext;
import org.jooq.CacheProvider;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.CacheType;
import org.jooq.impl.DefaultConfiguration;

/**
 * Runs a unit of work bound to a role and claims, transaction-locally: the binding rides on the unit's
 * first statement (see {@link BindingConnection}), and ends with the unit's transaction, commit or
 * rollback, so a pooled connection goes back exactly as it came, whatever happened. The binding also
 * sets the role's statement and lock timeouts and the search_path, and blanks the per-claim settings an
 * earlier borrower may have left on the session ({@link com.voxanne.schema.session.RequestBinding}), so
 * neither a poisoned connection nor another tenant's lock can decide what the unit sees, what its names
 * resolve to, or how long it waits.
 *
 * <p>The unit of work, piece by piece:
 * <ul>
 *   <li>here: a connection per unit, its {@link Mode}, commit or rollback, what a failure means
 *       ({@link SqlErrors} translates; a lost commit's outcome is unknown);</li>
 *   <li>{@link BindingConnection}: how the unit's first statement carries the binding, in each mode
 *       ({@code InTransaction}, {@code InOwnTransaction}); {@link BoundPreparedStatement} hides the
 *       binding's parameters and results from the caller;</li>
 *   <li>{@link UnitMode}: which mode a repository method runs in when called on its own, declared at
 *       the method and read by {@link PerCallTransactions};</li>
 *   <li>{@link Unit}: the unit's connection and jOOQ, and the caller's own statements
 *       ({@link CallerConnection});</li>
 *   <li>{@link PgJdbc}: what is asked of PgJDBC beyond JDBC (the transaction state it tracks).</li>
 * </ul>
 */
public final class Transactions {

    /** How a unit of work talks to the database; see docs/adr/0004-one-round-trip-binding.md. */
    public enum Mode {
        /**
         * Auto-commit off: one transaction for any number of statements. PgJDBC sends {@code BEGIN}, the
         * binding and the first statement in one round trip; the commit is a second one.
         */
        TRANSACTION,
        /**
         * For a unit that sends exactly one statement: auto-commit on, and its own begin, the binding, the
         * statement and its commit in one string, one round trip (two when PgJDBC puts a Sync before a
         * statement whose rows have no bounded size). A second statement is refused.
         */
        SINGLE_STATEMENT
    }

    static {
        // every unit of work of the DAO runs here: jOOQ first renders after this, without its banner
        JooqBanner.silence();
    }

    private final DataSource dataSource;
    private final RoleTimeouts timeouts;
    private final VoxanneObserver observer;
    /** What every unit's binding must reach, decided once for the data source ({@link BindingPlacement}). */
    private final Placement placement;
    /** Shared by every unit (each derives it with its own connection), so jOOQ's caches outlive a unit. */
    private final Configuration configuration;

    /** Units over {@code dataSource} with the {@linkplain RoleTimeouts#defaults() default} timeouts. */
    public Transactions(DataSource dataSource) {
        this(dataSource, RoleTimeouts.defaults());
    }

    /**
     * Units over {@code dataSource}; each runs with the {@code statement_timeout} and {@code lock_timeout}
     * {@code timeouts} gives its role, set transaction-locally by its binding.
     */
    public Transactions(DataSource dataSource, RoleTimeouts timeouts) {
        this(dataSource, timeouts, VoxanneObserver.NONE);
    }

    /**
     * As {@link #Transactions(DataSource, RoleTimeouts)}, each unit's end reported to {@code observer}, on a
     * single server: on a distributed database its units would find no row on a worker (fail closed).
     */
    public Transactions(DataSource dataSource, RoleTimeouts timeouts, VoxanneObserver observer) {
        this(dataSource, timeouts, observer, Placement.SINGLE_SERVER);
    }

    /**
     * As {@link #Transactions(DataSource, RoleTimeouts, VoxanneObserver)}, each unit bound in the form
     * {@code placement} needs ({@link BindingPlacement#of(DataSource)} decides it for a pool).
     */
    public Transactions(DataSource dataSource, RoleTimeouts timeouts, VoxanneObserver observer, Placement placement) {
        this.placement = Objects.requireNonNull(placement, "placement");
        this.dataSource = dataSource;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.configuration = new DefaultConfiguration()
                .set(SQLDialect.POSTGRES)
                .set(new Settings()
                        .withExecuteLogging(false)
                        // nothing reads warnings, and asking for them is a call per statement
                        .withFetchWarnings(false)
                        .withRenderFormatted(false))
                .set(new SharedCaches());
    }

    /** Runs {@code work} as {@code claims} in one transaction; commits if it returns, rolls back if it throws. */
    public <T> T run(RequestClaims claims, Function<DSLContext, T> work) {
        return run(claims, Mode.TRANSACTION, work);
    }

    /**
     * Runs {@code work} as {@code claims} in {@code mode}, in one transaction: it commits if {@code work}
     * returns and rolls back if it throws. In single-statement mode the one statement carries its own
     * begin and commit (see {@link BindingConnection}); a failed one leaves its transaction aborted, and
     * the rollback here ends it.
     */
    public <T> T run(RequestClaims claims, Mode mode, Function<DSLContext, T> work) {
        return inUnit(claims, mode, unit -> work.apply(unit.dsl()));
    }

    /** Who hears of each unit's and each repository call's end. */
    VoxanneObserver observer() {
        return observer;
    }

    /** What every unit's binding reaches. */
    Placement placement() {
        return placement;
    }

    /** As {@link #run(RequestClaims, Mode, Function)}, for work that may not need jOOQ at all. */
    <T> T inUnit(RequestClaims claims, Mode mode, Function<Unit, T> work) {
        if (observer == VoxanneObserver.NONE) {
            return unobserved(claims, mode, work);
        }
        long start = System.nanoTime();
        boolean committed = false;
        try {
            T result = unobserved(claims, mode, work);
            committed = true;
            return result;
        } finally {
            long nanos = System.nanoTime() - start;
            UnitKind kind = kind(claims, mode);
            boolean outcome = committed;
            Observed.report(() -> observer.unitEnded(kind, nanos, outcome));
        }
    }

    private static UnitKind kind(RequestClaims claims, Mode mode) {
        boolean service = claims.role() == ApiRole.SERVICE_ROLE;
        if (mode == Mode.SINGLE_STATEMENT) {
            return service ? UnitKind.SERVICE_SINGLE_STATEMENT : UnitKind.TENANT_SINGLE_STATEMENT;
        }
        return service ? UnitKind.SERVICE_TRANSACTION : UnitKind.TENANT_TRANSACTION;
    }

    private <T> T unobserved(RequestClaims claims, Mode mode, Function<Unit, T> work) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw SqlErrors.noConnection("use a database connection", e);
        }
        T result;
        try {
            result = inTransaction(connection, claims, mode, work);
        } catch (RuntimeException | Error e) {
            close(connection, e);
            throw e;
        } catch (SQLException e) {
            DataAccessFailureException failure = SqlErrors.noConnection("use a database connection", e);
            close(connection, failure);
            throw failure;
        }
        // The unit has committed: a connection that then fails to go back (lost right after the commit) is
        // the pool's to evict, and failing the call would report a committed unit as failed.
        close(connection, null);
        return result;
    }

    /** Gives the connection back to the pool; a failure is added to {@code failure}'s, or dropped. */
    private static void close(Connection connection, Throwable failure) {
        try {
            connection.close();
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    private <T> T inTransaction(Connection connection, RequestClaims claims, Mode mode, Function<Unit, T> work)
            throws SQLException {
        boolean lent = connection.getAutoCommit();
        boolean singleStatement = mode == Mode.SINGLE_STATEMENT;
        // Both modes run in an explicit transaction: a Sync PgJDBC may send between the binding and a
        // server-prepared statement cannot end it (docs/adr/0004-one-round-trip-binding.md). Transaction
        // mode has PgJDBC open it (auto-commit off); a single statement opens its own, in its own string.
        // Switched only when the pool lent the other mode (BindingConnection refuses a switch inside).
        boolean switched = lent != singleStatement;
        if (switched) {
            connection.setAutoCommit(singleStatement);
        }
        Unit unit = null;
        boolean committing = false;
        try {
            unit = new Unit(BindingConnection.of(connection, claims, timeouts, mode, placement), configuration);
            T result = work.apply(unit);
            if (singleStatement) {
                requireEnded(connection);
            } else {
                // The work caught a failure and returned: a unit whose connection is gone has nothing to
                // commit (and a commit failing on the closed connection would read as an unknown
                // outcome); an aborted transaction PostgreSQL would answer the commit by rolling back,
                // silently. Only a unit that saw a failure, or ran the caller's SQL, can be in either
                // state; PgJDBC tracks the transaction's (no round trip).
                if (unit.lostConnection()
                        || (unit.sawFailure() || unit.handedOutCallerDsl())
                                && PgJdbc.transactionStatus(connection) == PgJdbc.TransactionStatus.FAILED) {
                    throw unit.cannotCommit();
                }
                if (unit.handedOutCallerDsl()) {
                    CallerConnection.requireIntact(unit.connection(), claims);
                }
                if (placement == Placement.DISTRIBUTED) {
                    // what Citus relays of a worker's reply to the commit must not mix with older warnings
                    connection.clearWarnings();
                }
                committing = true;
                connection.commit();
            }
            return result;
        } catch (RuntimeException e) {
            rollback(connection, singleStatement, e);
            // a single statement carries its commit: a connection lost while it ran may have committed it,
            // and so may a worker whose commit Citus reports failed (the worker's own reply, relayed as a
            // warning of a statement jOOQ has closed, cannot tell a refusal here)
            RuntimeException failure = failure(unit, e);
            SQLException sql = singleStatement ? SqlFailures.find(e) : null;
            if (sql != null && SqlErrors.workerCommitFailure(sql, null) != null
                    && failure instanceof DataAccessFailureException unknown) {
                throw SqlErrors.outcomeUnknown(unknown);
            }
            throw outcome(failure, singleStatement);
        } catch (Error e) {
            rollback(connection, singleStatement, e);
            throw e;
        } catch (SQLException e) {
            SqlErrors.WorkerCommitFailure onWorker = committing ? SqlErrors.workerCommitFailure(e, warnings(connection)) : null;
            rollback(connection, singleStatement, e);
            if (onWorker != null) {
                RuntimeException failure = failure(unit, onWorker.failure());
                if (onWorker.failure() != e) {
                    failure.addSuppressed(SqlFailures.scrub(e));
                }
                throw onWorker.unknownOutcome() && failure instanceof DataAccessFailureException unknown
                        ? SqlErrors.outcomeUnknown(unknown) : failure;
            }
            throw outcome(failure(unit, e), committing);
        } finally {
            if (unit != null) {
                unit.end();
            }
            if (switched) {
                restoreAutoCommit(connection, lent);
            }
        }
    }

    /**
     * A single-statement unit that returns has committed inside its statement's string (or never sent
     * it). A transaction still open would hold the unit's binding on a pooled connection: impossible by
     * construction, and refused loudly should that ever change (the caller rolls it back). Behind a
     * wrapper that hides PgJDBC's connection there is nothing to check without a round trip.
     */
    private static void requireEnded(Connection connection) {
        PgJdbc.TransactionStatus status = PgJdbc.transactionStatus(connection);
        if (status != PgJdbc.TransactionStatus.IDLE && status != PgJdbc.TransactionStatus.UNKNOWN) {
            throw new BindingConnection.Misuse("a single-statement unit returned with its transaction still open");
        }
    }

    /**
     * {@code failure} as the caller should read it: a connection lost while the unit's commit may have
     * been on its way leaves the outcome unknown (the server may have committed before the connection
     * broke, or not), which {@link DataAccessFailureException#outcomeUnknown()} says. A failure before
     * the commit was sent, or a server error in reply to it, is a rollback.
     */
    private static RuntimeException outcome(RuntimeException failure, boolean commitInFlight) {
        if (commitInFlight && failure instanceof DataAccessFailureException lost && !lost.outcomeUnknown()
                && SqlErrors.connectionLost(lost.sqlState())) {
            return SqlErrors.outcomeUnknown(lost);
        }
        return failure;
    }

    /** The connection's warnings (a worker's reply Citus relays at commit), or null if they cannot be read. */
    private static SQLWarning warnings(Connection connection) {
        try {
            return connection.getWarnings();
        } catch (SQLException e) {
            return null;
        }
    }

    /** {@code failure} translated as it leaves the unit ({@link Unit#failure}); before there is one, as is. */
    private static RuntimeException failure(Unit unit, Throwable failure) {
        return unit != null ? unit.failure(failure) : SqlErrors.translate(failure);
    }

    /**
     * A connection that cannot even restore auto-commit is broken; the pool will find out. Throwing here
     * would replace the unit of work's own failure with this one.
     */
    private static void restoreAutoCommit(Connection connection, boolean autoCommit) {
        try {
            connection.setAutoCommit(autoCommit);
        } catch (SQLException ignored) {
            // the pool validates the connection before lending it again
        }
    }

    /**
     * Ends what a failed unit left. In single-statement mode auto-commit is on, so PgJDBC's
     * {@code rollback()} is refused; the unit's own transaction (aborted by the failed statement, which
     * skipped its commit) is rolled back by a statement, unless PgJDBC reports none open (behind a
     * wrapper that hides PgJDBC, always: a rollback with nothing open is only a warning).
     */
    private static void rollback(Connection connection, boolean singleStatement, Throwable cause) {
        try {
            if (!singleStatement) {
                connection.rollback();
            } else if (PgJdbc.transactionStatus(connection) != PgJdbc.TransactionStatus.IDLE) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("rollback");
                }
            }
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    /**
     * jOOQ keeps its reflection and record-mapper caches in a configuration's data map, created on first
     * use. {@code derive()} copies that map, so a cache first needed inside a unit of work would live in
     * that unit's derived configuration only and be rebuilt by the next unit. Handing every derived
     * configuration the same map per cache type keeps them for the life of this {@link Transactions}.
     * Concurrent maps, read by every unit on every thread without a lock; the keys are the DAO's own
     * query shapes and record types, a small fixed set, and a map that still outgrows
     * {@value #CACHE_SIZE} entries is emptied rather than kept in access order (which would need a lock
     * on every read).
     */
    private static final class SharedCaches implements CacheProvider {
        private static final int CACHE_SIZE = 8192;

        private final Map<CacheType, Map<Object, Object>> caches = new ConcurrentHashMap<>();

        @Override
        public Map<Object, Object> provide(CacheContext context) {
            Map<Object, Object> cache = caches.computeIfAbsent(context.cacheType(), type -> new ConcurrentHashMap<>());
            if (cache.size() > CACHE_SIZE) {
                cache.clear();
            }
            return cache;
        }
    }
}
