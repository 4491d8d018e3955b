package com.voxanne.dao;

import java.util.Locale;

/**
 * What the DAO reports as it works, for metrics: each repository call, each unit of work, each webhook
 * intake, and the notification subscriptions. Set one with {@link Voxanne.Builder#observer}; without
 * one, nothing is measured and nothing is wrapped. {@code com.voxanne.dao.metrics.VoxanneMetrics} is the
 * Micrometer implementation.
 *
 * <p>Every value handed to an observer is bounded and tenant-free: repository and method names, enum
 * outcomes, an SQLSTATE class. No organization, user, row id or patient value ever reaches it, so an
 * implementation may use all of them as metric tags.
 *
 * <p>Calls come synchronously on the thread that did the work (a subscription's events on its poller
 * thread), after the work ended. An implementation must be thread-safe and cheap; an exception it throws
 * is dropped, so that measuring can never fail the measured call.
 */
public interface VoxanneObserver {

    /** The observer that observes nothing: the default. */
    VoxanneObserver NONE = new VoxanneObserver() {
    };

    /**
     * A repository call ended.
     *
     * @param operation which call ({@code contacts.list}, {@code webhooks.processOnce}, …)
     * @param nanos     how long it took, including its unit of work when it ran as one of its own
     * @param outcome   how it ended
     * @param sqlStateClass the SQLSTATE class of a {@link Outcome#FAILURE} ({@link Outcome#failureClass}),
     *                  {@code "none"} for every other outcome
     */
    default void operationEnded(Operation operation, long nanos, Outcome outcome, String sqlStateClass) {
    }

    /**
     * A unit of work ended: committed, or rolled back with everything it wrote.
     *
     * @param kind      its mode and role
     * @param nanos     from taking the connection to giving it back
     * @param committed false when it was rolled back (its work failed, or the commit did)
     */
    default void unitEnded(UnitKind kind, long nanos, boolean committed) {
    }

    /**
     * A webhook intake ({@link WebhookEvents#processOnce}) ended.
     *
     * @param outcome {@link WebhookOutcome#PROCESSED} or {@link WebhookOutcome#DUPLICATE}; null when it
     *                failed and nothing of it was committed
     */
    default void webhookEnded(WebhookOutcome outcome) {
    }

    /** A notification subscription was opened ({@link Voxanne#subscribeToNotifications}). */
    default void subscriptionOpened() {
    }

    /** A notification subscription ended: closed by its owner, or lost with its connection. */
    default void subscriptionClosed() {
    }

    /** A subscription handed one confirmed event to its listener. */
    default void notificationDelivered() {
    }

    /**
     * A repository method: the repository's name as {@link Voxanne} and {@link ServiceScope} name it
     * ({@code contacts}, {@code appointments}, {@code notifications}, {@code organizations},
     * {@code webhooks}, {@code notificationMaintenance}, {@code audit}) and the method's name.
     *
     * @param repository the repository
     * @param method     the method, without its parameters (overloads share it)
     */
    record Operation(String repository, String method) {

        @Override
        public String toString() {
            return repository + "." + method;
        }
    }

    /** How a repository call ended, as a caller sees it: the type of what it threw, if anything. */
    enum Outcome {
        /** It returned. */
        OK,
        /** {@link NotFoundException}. */
        NOT_FOUND,
        /** {@link ConflictException} (a double booking, a transition not allowed) or {@link DuplicateException}. */
        CONFLICT,
        /** {@link InvalidInputException}, {@link BulkImportException} or {@link TenantContextException}. */
        INVALID_INPUT,
        /** {@link AccessDeniedException}. */
        ACCESS_DENIED,
        /**
         * {@link DataAccessFailureException} or anything unexpected; {@link #failureClass(Throwable)}
         * gives its SQLSTATE class.
         */
        FAILURE;

        /** The outcome of a call that threw {@code failure}. */
        public static Outcome of(Throwable failure) {
            if (failure == null) {
                return OK;
            }
            if (failure instanceof NotFoundException) {
                return NOT_FOUND;
            }
            if (failure instanceof ConflictException || failure instanceof DuplicateException) {
                return CONFLICT;
            }
            if (failure instanceof InvalidInputException || failure instanceof BulkImportException
                    || failure instanceof TenantContextException) {
                return INVALID_INPUT;
            }
            if (failure instanceof AccessDeniedException) {
                return ACCESS_DENIED;
            }
            return FAILURE;
        }

        /**
         * The SQLSTATE class (its first two characters: {@code 08} connection, {@code 40} rollback,
         * {@code 57} operator intervention, …) of a {@link #FAILURE}; {@code "none"} when the failure
         * carries no SQLSTATE, or is not a failure of this kind.
         */
        public static String failureClass(Throwable failure) {
            if (of(failure) == FAILURE && failure instanceof DataAccessFailureException dataAccess && dataAccess.sqlState() != null
                    && dataAccess.sqlState().length() >= 2) {
                return dataAccess.sqlState().substring(0, 2).toUpperCase(Locale.ROOT);
            }
            return "none";
        }

        /** The outcome in lower case, as metric tags write it ({@code not_found}). */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What kind of unit of work ended: its mode and the role it ran as. */
    enum UnitKind {
        /** As {@code authenticated}, bound to an organization and user, several statements. */
        TENANT_TRANSACTION("transaction", "authenticated"),
        /** As {@code authenticated}, one statement carrying its own begin and commit. */
        TENANT_SINGLE_STATEMENT("single_statement", "authenticated"),
        /** As {@code service_role}, several statements. */
        SERVICE_TRANSACTION("transaction", "service_role"),
        /** As {@code service_role}, one statement carrying its own begin and commit. */
        SERVICE_SINGLE_STATEMENT("single_statement", "service_role");

        private final String mode;
        private final String role;

        UnitKind(String mode, String role) {
            this.mode = mode;
            this.role = role;
        }

        /** {@code transaction} or {@code single_statement}. */
        public String mode() {
            return mode;
        }

        /** {@code authenticated} or {@code service_role}. */
        public String role() {
            return role;
        }
    }
}
