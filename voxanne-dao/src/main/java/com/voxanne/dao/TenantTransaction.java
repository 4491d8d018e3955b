package com.voxanne.dao;

import java.util.Optional;
import java.util.UUID;

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
}
