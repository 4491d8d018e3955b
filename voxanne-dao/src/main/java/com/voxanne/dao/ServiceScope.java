package com.voxanne.dao;

/**
 * Backend work across organizations, run as {@code service_role}: creating organizations, webhook
 * intake, notification expiry, audit retention. Named as such so that it is never a side door: a request on behalf of a user always goes
 * through an {@link OrgContext}.
 */
public interface ServiceScope {

    /** Creating, reading and suspending organizations. */
    Organizations organizations();

    /** Exactly-once webhook intake. */
    WebhookEvents webhooks();

    /** Notification expiry and other cross-organization notification work. */
    NotificationMaintenance notifications();

    /** The audit trail: reading, suspicious activity, retention. */
    AuditTrail audit();
}
