package com.voxanne.dao;

import java.io.IOException;

/**
 * Where {@link AuditTrail#archive} exports old audit rows before deleting them, for example a
 * JSON-lines file ({@link AuditSinks}). Rows arrive one by one, in id order, while the database
 * streams them: a sink must not keep them all in memory.
 *
 * <p>A row counts as exported once {@link #accept} returned and {@link #complete} succeeded afterwards.
 * If either throws, the archive rolls back and nothing is deleted.
 */
public interface AuditSink {

    /** Takes one row; throwing stops the archive and deletes nothing. */
    void accept(AuditEvent event) throws IOException;

    /**
     * Called once, after the last row and before anything is deleted: make every accepted row durable
     * (flush, finish a compressed stream, sync to disk). Throwing here deletes nothing.
     */
    void complete() throws IOException;
}
