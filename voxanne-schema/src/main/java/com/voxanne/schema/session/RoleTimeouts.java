package com.voxanne.schema.session;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code statement_timeout} and {@code lock_timeout} that {@link RequestBinding} sets,
 * transaction-locally, for each {@link ApiRole}. They are what keeps one tenant from stalling every other:
 * a statement that runs too long is cancelled (SQLSTATE 57014), and a lock wait that lasts too long fails
 * (SQLSTATE 55P03), instead of a request of one clinic queueing behind, say, another clinic's
 * {@code LOCK TABLE} until the pool runs dry.
 *
 * <p>{@link Duration#ZERO} means no limit, as in PostgreSQL. Any other value is a whole, positive number
 * of milliseconds up to {@value #MAX_MILLIS} ms (PostgreSQL's largest): a negative or sub-millisecond
 * value is refused rather than rounded, because rounding half a millisecond down would mean "no limit".
 *
 * <p>{@link #defaults()}: {@code authenticated} 8 s per statement, 3 s per lock wait; {@code service_role}
 * no statement limit (backend jobs may run long, as on Supabase), 10 s per lock wait; {@code anon} 3 s and
 * 1 s. Immutable and thread-safe; the {@code with…} methods return a copy.
 */
public final class RoleTimeouts {

    /** The largest timeout PostgreSQL accepts, in milliseconds. */
    public static final long MAX_MILLIS = Integer.MAX_VALUE;

    private static final RoleTimeouts DEFAULTS = new RoleTimeouts(new EnumMap<>(Map.of(
            ApiRole.AUTHENTICATED, new Limits(Duration.ofSeconds(8), Duration.ofSeconds(3)),
            ApiRole.SERVICE_ROLE, new Limits(Duration.ZERO, Duration.ofSeconds(10)),
            ApiRole.ANON, new Limits(Duration.ofSeconds(3), Duration.ofSeconds(1)))));

    /** One role's two limits, with the settings' text computed once instead of on every binding. */
    private record Limits(Duration statement, Duration lock, String statementSetting, String lockSetting) {
        Limits(Duration statement, Duration lock) {
            this(statement, lock, setting(statement), setting(lock));
        }

        private static String setting(Duration timeout) {
            return timeout.toMillis() + "ms";
        }
    }

    private final EnumMap<ApiRole, Limits> limits;

    private RoleTimeouts(EnumMap<ApiRole, Limits> limits) {
        this.limits = limits;
    }

    /** The defaults described above; what {@link RequestBinding#bind(java.sql.Connection, RequestClaims)} uses. */
    public static RoleTimeouts defaults() {
        return DEFAULTS;
    }

    /**
     * A copy with {@code role}'s {@code statement_timeout} set to {@code timeout}.
     *
     * @param timeout {@link Duration#ZERO} for no limit, else a whole number of milliseconds
     * @throws IllegalArgumentException when {@code timeout} is negative, not a whole number of milliseconds,
     *                                  or longer than {@value #MAX_MILLIS} ms
     */
    public RoleTimeouts withStatementTimeout(ApiRole role, Duration timeout) {
        Limits current = limitsOf(role);
        return with(role, new Limits(requireValid(timeout, "statement timeout"), current.lock()));
    }

    /**
     * A copy with {@code role}'s {@code lock_timeout} set to {@code timeout}.
     *
     * @param timeout {@link Duration#ZERO} for no limit, else a whole number of milliseconds
     * @throws IllegalArgumentException when {@code timeout} is negative, not a whole number of milliseconds,
     *                                  or longer than {@value #MAX_MILLIS} ms
     */
    public RoleTimeouts withLockTimeout(ApiRole role, Duration timeout) {
        Limits current = limitsOf(role);
        return with(role, new Limits(current.statement(), requireValid(timeout, "lock timeout")));
    }

    /** {@code role}'s {@code statement_timeout}; {@link Duration#ZERO} for no limit. */
    public Duration statementTimeout(ApiRole role) {
        return limitsOf(role).statement();
    }

    /** {@code role}'s {@code lock_timeout}; {@link Duration#ZERO} for no limit. */
    public Duration lockTimeout(ApiRole role) {
        return limitsOf(role).lock();
    }

    /** The value {@link RequestBinding} passes to {@code set_config('statement_timeout', …)}. */
    String statementTimeoutSetting(ApiRole role) {
        return limitsOf(role).statementSetting();
    }

    /** The value {@link RequestBinding} passes to {@code set_config('lock_timeout', …)}. */
    String lockTimeoutSetting(ApiRole role) {
        return limitsOf(role).lockSetting();
    }

    private Limits limitsOf(ApiRole role) {
        return limits.get(Objects.requireNonNull(role, "role"));
    }

    private RoleTimeouts with(ApiRole role, Limits changed) {
        EnumMap<ApiRole, Limits> copy = new EnumMap<>(limits);
        copy.put(role, changed);
        return new RoleTimeouts(copy);
    }

    private static Duration requireValid(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative() || timeout.getNano() % 1_000_000 != 0
                || timeout.compareTo(Duration.ofMillis(MAX_MILLIS)) > 0) {
            throw new IllegalArgumentException("a " + what + " is zero (no limit) or a whole number of milliseconds"
                    + " from 1 ms to " + MAX_MILLIS + " ms, not " + timeout);
        }
        return timeout;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RoleTimeouts other)) {
            return false;
        }
        for (ApiRole role : ApiRole.values()) {
            if (!statementTimeout(role).equals(other.statementTimeout(role)) || !lockTimeout(role).equals(other.lockTimeout(role))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (ApiRole role : ApiRole.values()) {
            hash = 31 * hash + Objects.hash(statementTimeout(role), lockTimeout(role));
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("RoleTimeouts{");
        for (ApiRole role : ApiRole.values()) {
            if (role.ordinal() > 0) {
                text.append(", ");
            }
            text.append(role.roleName()).append(": statement ").append(describe(statementTimeout(role)))
                    .append(", lock ").append(describe(lockTimeout(role)));
        }
        return text.append('}').toString();
    }

    private static String describe(Duration timeout) {
        return timeout.isZero() ? "none" : timeout.toMillis() + " ms";
    }
}
