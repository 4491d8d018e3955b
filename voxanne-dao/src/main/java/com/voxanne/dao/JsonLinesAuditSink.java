package com.voxanne.dao;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * An {@link AuditSink} writing one JSON object per line (JSON lines), with the columns of
 * {@code audit_logs} as keys ({@code id}, {@code event_type}, ..., {@code event_time} in ISO-8601,
 * {@code row_data} and {@code old_data} as JSON). Create one with {@link AuditSinks}. Not thread-safe.
 *
 * <p>Close it (try-with-resources) whether or not the archive succeeded: an archive that failed leaves no
 * file behind for a file sink.
 */
public final class JsonLinesAuditSink implements AuditSink, Closeable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the lines go, and what completing and abandoning them means for it. */
    interface Target {
        /** The stream the lines are written to. */
        OutputStream stream();

        /** Makes everything written durable and final. */
        void complete() throws IOException;

        /** Releases the target without completing it; must not throw. */
        void abandon();
    }

    private final Target target;
    private long accepted;
    private long lastId;
    private boolean completed;
    private boolean closed;

    JsonLinesAuditSink(Target target) {
        this.target = target;
    }

    @Override
    public void accept(AuditEvent event) throws IOException {
        if (completed || closed) {
            throw new IllegalStateException("this sink is already " + (closed ? "closed" : "complete"));
        }
        OutputStream out = target.stream();
        out.write(JSON.writeValueAsBytes(toJson(event)));
        out.write('\n');
        accepted++;
        lastId = event.id();
    }

    @Override
    public void complete() throws IOException {
        if (closed) {
            throw new IllegalStateException("this sink is already closed");
        }
        if (!completed) {
            target.complete();
            completed = true;
        }
    }

    /** How many rows it accepted. */
    public long accepted() {
        return accepted;
    }

    /** The id of the last row it accepted, if any. */
    public OptionalLong lastAcceptedId() {
        return accepted == 0 ? OptionalLong.empty() : OptionalLong.of(lastId);
    }

    /** Whether {@link #complete()} succeeded. */
    public boolean completed() {
        return completed;
    }

    /** Releases the target; if the sink was not completed, a file sink deletes its partial file. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!completed) {
                target.abandon();
            }
        }
    }

    private static ObjectNode toJson(AuditEvent e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", e.id());
        node.put("event_type", e.eventType());
        node.put("operation", e.operation());
        node.put("schema_name", e.schemaName());
        node.put("table_name", e.tableName());
        node.put("database_user", e.databaseUser());
        node.put("session_user_name", e.sessionUser());
        node.put("authenticated_user", e.authenticatedUser() == null ? null : e.authenticatedUser().toString());
        node.put("org_id", e.organizationId() == null ? null : e.organizationId().toString());
        node.put("claims_org_id", e.claimsOrganizationId() == null ? null : e.claimsOrganizationId().toString());
        node.put("statement_text", e.statementText());
        node.set("row_data", e.rowData());
        node.set("old_data", e.oldData());
        node.put("event_time", e.eventTime().toString());
        node.put("client_addr", e.clientAddress());
        return node;
    }
}
