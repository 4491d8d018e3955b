package com.voxanne.dao;

import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The repositories of one organization inside one transaction: everything done through them commits
 * or rolls back together.
 */
public interface TenantTransaction {

    /** The organization this transaction is bound to. */
    UUID organizationId();

    /** The acting user; empty in a service scope (webhook handlers). */
    Optional<UUID> userId();

    /** Its contacts. */
    Contacts contacts();

    /** Its appointments. */
    Appointments appointments();

    /** The acting user's notifications (in a service scope: creating them for users of the organization). */
    Notifications notifications();

    /** The organization itself (read-only for users). */
    Organization organization();

    /**
     * jOOQ on this unit's connection, for the service's own tables: what it writes commits or rolls back
     * with the unit, together with the repositories' writes and, in {@code processOnce}, with the
     * webhook's claim, so exactly-once covers the service's tables too.
     *
     * <p>Its statements run like the repositories': in the unit's transaction, as the unit's role
     * ({@code authenticated} in {@code inOrg}, {@code service_role} in the service scope) with its claims
     * (organization, and user in {@code inOrg}), its statement and lock timeouts and
     * {@code search_path = pg_catalog, public, pg_temp} (qualify names in other schemas). So the service's
     * row-level security policies (for example {@code org_id = (select public.auth_org_id())}) see the
     * same organization and user, and Voxanne's tables are reachable as far as the role's grants and
     * policies allow. A database failure of its statements is the same typed, scrubbed exception a
     * repository throws ({@link DuplicateException} for a unique violation, {@link AccessDeniedException}
     * for a row-level security refusal, {@link DataAccessFailureException} …), never jOOQ's
     * {@code DataAccessException}, whose message can quote the row.
     *
     * <p>It may: read and write through jOOQ or plain SQL; {@code transaction(…)}, which is a savepoint of
     * the unit (rolled back alone when its lambda throws, committed only with the unit); savepoints.
     * It may not, and these are refused with an {@link IllegalStateException} naming the rule, the unit
     * still deciding commit or rollback: {@code commit()}, {@code rollback()}, {@code setAutoCommit},
     * {@code close}, {@code abort}, {@code setTransactionIsolation}, {@code setReadOnly}, {@code setSchema},
     * {@code setCatalog}, {@code setClientInfo}, {@code setNetworkTimeout}, {@code setHoldability},
     * {@code unwrap} on its connection. Nor may its SQL change who the unit is: after {@code SET ROLE} or
     * {@code RESET ROLE} (back to the login role, which may read no table), or a {@code set_config} of
     * {@code role} or a {@code request.jwt} claim, the unit fails with an {@link IllegalStateException}
     * before it commits, and nothing of it is committed; {@code COMMIT}, {@code ROLLBACK} or session-level
     * {@code SET} sent as SQL are not for a unit either.
     *
     * <p>Valid only inside the unit: once the work has returned or thrown, every use fails with an
     * {@link IllegalStateException}. Not thread-safe, like the unit. A unit that uses it costs up to two
     * round trips more: one to bind before its first statement when nothing of the unit has run yet (so
     * that a batch may be that statement), one to check the binding before the commit.
     */
    DSLContext dsl();
}
