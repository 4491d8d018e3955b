package com.voxanne.dao;

/**
 * Does the work of one webhook event inside the transaction that claims it: the repositories' writes and
 * the service's own, through {@link TenantTransaction#dsl()}. Throwing rolls back the claim with the
 * work, so a retry of the delivery runs the handler again.
 */
@FunctionalInterface
public interface WebhookHandler {

    /** Handles the event with the repositories of its organization. */
    void handle(TenantTransaction tx);
}
