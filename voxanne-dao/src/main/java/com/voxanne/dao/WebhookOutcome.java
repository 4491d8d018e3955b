package com.voxanne.dao;

/** What {@link WebhookEvents#processOnce} did with a delivery. */
public enum WebhookOutcome {
    /** First delivery: the handler ran and its work committed with the claim. */
    PROCESSED,
    /** The event was already processed for this organization: the handler did not run. */
    DUPLICATE
}
