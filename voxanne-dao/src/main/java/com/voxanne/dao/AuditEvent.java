package com.voxanne.dao;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One row of the append-only audit trail: a row change written by a trigger on a tenant table, or an
 * application event. The row data (a contact's row holds its name, phone, e-mail and notes) and the
 * statement text (which may hold literals) show in {@link #toString()} only as set or not.
 *
 * @param id its id; ids grow with insertion order
 * @param eventType {@code WRITE} for row changes, otherwise the application's type ({@code READ},
 *        {@code ACCESS_DENIED}, {@code MAINTENANCE}, ...)
 * @param operation {@code INSERT}, {@code UPDATE}, {@code DELETE}, or the application's operation
 * @param schemaName the schema of the table concerned, or {@code null}
 * @param tableName the table concerned, or {@code null}
 * @param databaseUser the API role in effect ({@code authenticated}, {@code service_role}, ...)
 * @param sessionUser the login role (the pool's user)
 * @param authenticatedUser the end user ({@code auth.uid()}), or {@code null} for backend work
 * @param organizationId the organization of the row or event, or {@code null}
 * @param claimsOrganizationId the organization of the request's claims, or {@code null}
 * @param statementText the SQL statement that caused it, or {@code null}
 * @param rowData the row after the change (before it, for a DELETE), or {@code null}
 * @param oldData the row before an UPDATE, or {@code null}
 * @param eventTime when it happened (two events of one transaction differ)
 * @param clientAddress the client's address as the server saw it, or {@code null}
 */
public record AuditEvent(long id, String eventType, String operation, String schemaName, String tableName,
                         String databaseUser, String sessionUser, UUID authenticatedUser, UUID organizationId,
                         UUID claimsOrganizationId, String statementText, JsonNode rowData, JsonNode oldData,
                         OffsetDateTime eventTime, String clientAddress) {

    /** Everything but the statement text and the row data, which show only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("AuditEvent").plain("id", id).plain("eventType", eventType).plain("operation", operation)
                .plain("schemaName", schemaName).plain("tableName", tableName).plain("databaseUser", databaseUser)
                .plain("sessionUser", sessionUser).plain("authenticatedUser", authenticatedUser)
                .plain("organizationId", organizationId).plain("claimsOrganizationId", claimsOrganizationId)
                .secret("statementText", statementText).secret("rowData", rowData).secret("oldData", oldData)
                .plain("eventTime", eventTime).plain("clientAddress", clientAddress).toString();
    }
}
