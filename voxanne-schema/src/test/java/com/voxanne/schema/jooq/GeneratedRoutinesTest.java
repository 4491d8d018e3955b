package com.voxanne.schema.jooq;

import static com.voxanne.schema.jooq.Tables.AUDIT_LOGS;
import static com.voxanne.schema.jooq.Tables.NOTIFICATIONS;
import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jooq.tables.records.AuditLogsRecord;
import com.voxanne.schema.jooq.tables.records.NotificationsRecord;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The generated routines take and return the generated types, converters on parameters included. */
class GeneratedRoutinesTest {

    @AutoClose
    private final MigratedDsl db = new MigratedDsl();

    @Test
    void routinesRoundTripTheirTypes() throws Exception {
        DSLContext dsl = db.dsl;
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        dsl.insertInto(ORGANIZATIONS).set(ORGANIZATIONS.ID, org).set(ORGANIZATIONS.NAME, "Routine Clinic").execute();
        dsl.execute("insert into auth.users (id, raw_app_meta_data) values (?, jsonb_build_object('org_id', ?::text))",
                user, org.toString());

        // enums, a Set<NotificationChannel> and a chosen id in, that uuid out; the set is stored in declaration order
        UUID chosen = UUID.randomUUID();
        UUID id = Routines.createNotification(dsl.configuration(), org, user, NotificationType.HOT_LEAD, "Hot lead",
                "Call back today", null, null, NotificationPriority.URGENT, null,
                Set.of(NotificationChannel.PUSH, NotificationChannel.EMAIL), null, chosen);
        assertThat(id).isEqualTo(chosen);
        NotificationsRecord notification = dsl.fetchSingle(NOTIFICATIONS, NOTIFICATIONS.ID.eq(id));
        assertThat(notification.getChannels()).containsExactly(NotificationChannel.EMAIL, NotificationChannel.PUSH);
        assertThat(notification.getPriority()).isEqualTo(NotificationPriority.URGENT);
        assertThat(dsl.fetchValue("select channels::text from public.notifications where id = ?", id))
                .isEqualTo("[\"email\", \"push\"]");

        // a JsonNode in, a bigint out; the table-valued function returns generated records
        JsonNode data = new ObjectMapper().readTree("{\"contact\": \"" + UUID.randomUUID() + "\", \"fields\": [\"phone\"]}");
        Long auditId = Routines.logAuditEvent(dsl.configuration(), org, "read", "select", "contacts", data, null);
        assertThat(dsl.fetchSingle(AUDIT_LOGS, AUDIT_LOGS.ID.eq(auditId)).getRowData()).isEqualTo(data);
        assertThat(Routines.getOrgAuditLogs(dsl.configuration(), org, null, null, 100))
                .extracting(AuditLogsRecord::getId).contains(auditId);

        // the request's organization, from claims set on the same connection
        UUID claimsOrg = dsl.transactionResult(tx -> {
            tx.dsl().execute("select set_config('request.jwt.claims', ?, true)",
                    "{\"app_metadata\": {\"org_id\": \"" + org + "\"}}");
            return Routines.authOrgId(tx);
        });
        assertThat(claimsOrg).isEqualTo(org);
    }
}
