package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import com.voxanne.dao.AuditTrail;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.NotificationMaintenance;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.Organizations;
import com.voxanne.dao.TenantTransaction;
import com.voxanne.dao.WebhookEvents;
import java.util.Map;
import java.util.Set;

/**
 * The one list of the repository methods that, called as a unit of work of their own, send exactly one
 * SQL statement, and therefore run in {@link Transactions.Mode#SINGLE_STATEMENT single-statement mode}
 * (an explicit transaction of its own: begin, binding, statement and commit sent in one string). Every
 * other method, and everything inside {@code inOrg}, runs in {@link Transactions.Mode#TRANSACTION
 * transaction mode}.
 *
 * <p>A method belongs here only when every path through it sends at most one statement (an
 * {@code INSERT … RETURNING} is one statement, its triggers included; a function call is one statement),
 * and when nothing it throws after a successful write would need that write undone. Not here: an
 * advisory lock before a write, a savepoint, a fetch-then-update, a lock-then-check, a cursor. A method
 * listed by mistake fails loudly: {@link BindingConnection} refuses the second statement. Overloads share
 * their name's classification.
 */
final class SingleStatementMethods {

    private static final Map<Class<?>, Set<String>> METHODS = Map.of(
            // update: an empty update is one SELECT, any other one UPDATE … RETURNING; delete: one DELETE
            // (appointments go by ON DELETE CASCADE within it). Not importAll: savepoint + insert (+ rollback).
            Contacts.class, Set.of("create", "get", "findByPhone", "update", "delete", "list", "countsByLeadStatus",
                    "touch", "recordContact"),
            // Not book, restore or reschedule (advisory lock first), nor changeStatus (row lock, then update).
            Appointments.class, Set.of("get", "getIncludingDeleted", "list", "upcoming", "softDelete",
                    "markConfirmationSent"),
            // create: one call of create_notification(). Not markRead or archive: an UPDATE that may be
            // followed by a SELECT of the unchanged row.
            Notifications.class, Set.of("create", "get", "list", "unreadCount", "markAllRead"),
            TenantTransaction.class, Set.of("organization"),
            Organizations.class, Set.of("create", "get", "suspend", "activate"),
            // Not archive: a cursor (which needs a transaction), then the deleting function.
            AuditTrail.class, Set.of("events", "suspiciousActivity"),
            NotificationMaintenance.class, Set.of("expire"),
            // Not processOnce: check, claim and the handler's work commit together.
            WebhookEvents.class, Set.of("cleanup"));

    private SingleStatementMethods() {
    }

    /** How {@code repository.method(…)}, called as a unit of work of its own, runs. */
    static Transactions.Mode mode(Class<?> repository, String method) {
        return METHODS.getOrDefault(repository, Set.of()).contains(method)
                ? Transactions.Mode.SINGLE_STATEMENT : Transactions.Mode.TRANSACTION;
    }

    /** The whole classification, for the test that every name is a method of its interface. */
    static Map<Class<?>, Set<String>> all() {
        return METHODS;
    }
}
