package com.voxanne.schema.jooq;

import static com.voxanne.schema.jooq.Tables.AUDIT_LOGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.jooq.tables.records.AppointmentsRecord;
import com.voxanne.schema.jooq.tables.records.AuditLogsRecord;
import com.voxanne.schema.jooq.tables.records.CallLogsRecord;
import com.voxanne.schema.jooq.tables.records.CallsRecord;
import com.voxanne.schema.jooq.tables.records.ContactsRecord;
import com.voxanne.schema.jooq.tables.records.NotificationsRecord;
import com.voxanne.schema.jooq.tables.records.OrganizationsRecord;
import com.voxanne.schema.jooq.tables.records.ProcessedWebhookEventsRecord;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableRecord;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A record of every generated table, with every column set, comes back equal from insert and select through
 * the generated types (converters and enums included), as the admin role.
 */
class RecordRoundTripTest {

    // Microseconds: PostgreSQL's precision.
    private static final OffsetDateTime T = OffsetDateTime.of(2026, 3, 4, 5, 6, 7, 123_456_000, ZoneOffset.UTC);
    private static final UUID ORG = UUID.fromString("7f9c1a52-0000-4000-8000-000000000001");
    private static final UUID USER = UUID.fromString("7f9c1a52-0000-4000-8000-000000000002");
    private static final UUID CALL = UUID.fromString("7f9c1a52-0000-4000-8000-000000000003");
    private static final UUID CALL_LOG = UUID.fromString("7f9c1a52-0000-4000-8000-000000000004");
    private static final UUID CONTACT = UUID.fromString("7f9c1a52-0000-4000-8000-000000000005");
    private static final UUID APPOINTMENT = UUID.fromString("7f9c1a52-0000-4000-8000-000000000006");
    private static final ObjectMapper JSON = new ObjectMapper();

    // One database for all dynamic tests of the factory: later records reference earlier ones.
    @AutoClose
    private final MigratedDsl db = new MigratedDsl();

    @Test
    void everyGeneratedTableHasARecordHere() {
        assertThat(records().stream().map(r -> r.getTable().getName()))
                .containsExactlyInAnyOrderElementsOf(Public.PUBLIC.getTables().stream()
                        .filter(t -> t.getTableType().isTable())   // not the table-valued functions
                        .map(Table::getName)
                        .collect(Collectors.toList()));
    }

    @TestFactory
    Stream<DynamicTest> everyRecordRoundTrips() {
        // notifications.user_id references auth.users, which is not generated (Supabase owns auth).
        db.dsl.execute("insert into auth.users (id, email, raw_app_meta_data) values (?, 'rt@example.test',"
                + " jsonb_build_object('org_id', ?::text))", USER, ORG.toString());
        return records().stream().map(r -> dynamicTest(r.getTable().getName(), () -> roundTrip(r)));
    }

    /** One record per table, in foreign-key order. */
    private static List<TableRecord<?>> records() {
        return List.of(
                new OrganizationsRecord().setId(ORG).setName("Round Trip Clinic").setStatus(OrganizationStatus.ACTIVE)
                        .setTimezone("Europe/London").setCreatedAt(T).setUpdatedAt(T),
                new CallsRecord().setId(CALL).setOrgId(ORG).setVapiCallId("vapi-1").setCreatedAt(T),
                new CallLogsRecord().setId(CALL_LOG).setOrgId(ORG).setCallId(CALL).setVapiCallId("vapi-1").setCreatedAt(T),
                new ProcessedWebhookEventsRecord().setId(UUID.randomUUID()).setOrgId(ORG).setEventId("evt-1")
                        .setEventType("end-of-call-report").setCallId(CALL).setCallLogId(CALL_LOG).setVapiCallId("vapi-1")
                        .setPayload(json("{\"type\": \"end-of-call-report\", \"cost\": 0.42, \"tags\": [\"a\", null]}"))
                        .setProcessedAt(T).setCreatedAt(T).setUpdatedAt(T),
                new ContactsRecord().setId(CONTACT).setOrgId(ORG).setName("Ada Lovelace").setPhone("+15550100123")
                        .setEmail("ada@example.test").setServiceInterests(List.of("botox", "filler"))
                        .setLeadScore(LeadScoreType.HOT).setLeadStatus(LeadStatusType.QUALIFIED).setLastContactAt(T)
                        .setNotes("prefers mornings").setCreatedAt(T).setUpdatedAt(T),
                new AppointmentsRecord().setId(APPOINTMENT).setOrgId(ORG).setContactId(CONTACT).setServiceType("botox")
                        .setScheduledAt(T.plusDays(1)).setDurationMinutes(45).setStatus(AppointmentStatus.CONFIRMED)
                        .setCalendarLink("https://calendar.example/e/1").setConfirmationSent(true).setNotes("first visit")
                        .setDeletedAt(null).setCreatedAt(T).setUpdatedAt(T),
                new NotificationsRecord().setId(UUID.randomUUID()).setOrgId(ORG).setUserId(USER)
                        .setType(NotificationType.APPOINTMENT_BOOKED).setTitle("Booked").setMessage("Ada, tomorrow 05:06")
                        .setRelatedEntityId(APPOINTMENT).setRelatedEntityType("appointment").setStatus(NotificationStatus.READ)
                        .setReadAt(T).setActionUrl("/appointments/1").setPriority(NotificationPriority.HIGH)
                        .setChannels(Set.of(NotificationChannel.SMS, NotificationChannel.IN_APP))
                        .setExpiresAt(T.plusDays(30)).setCreatedAt(T).setUpdatedAt(T),
                new AuditLogsRecord().setId(1_000_000L).setEventType("ACCESS_DENIED").setOperation("SELECT")
                        .setSchemaName("public").setTableName("contacts").setDatabaseUser("authenticated")
                        .setSessionUserName("voxanne_authenticator").setAuthenticatedUser(USER).setOrgId(ORG)
                        .setClaimsOrgId(ORG).setStatementText("select * from contacts")
                        .setRowData(json("{\"id\": \"" + CONTACT + "\", \"n\": 1}")).setOldData(json("{}"))
                        .setEventTime(T).setClientAddr("203.0.113.7"));
    }

    private void roundTrip(TableRecord<?> record) {
        assertThat(record.fields()).as("every column of %s is set", record.getTable().getName()).allMatch(record::changed);
        Map<Field<?>, Field<?>> values = new LinkedHashMap<>();
        for (Field<?> field : record.fields()) {
            values.put(field, bind(field, record.get(field)));
        }
        insert(record.getTable(), values);

        Record fetched = db.dsl.selectFrom(record.getTable()).where(samePrimaryKey(record)).fetchSingle();
        assertThat(comparable(fetched)).isEqualTo(comparable(record));
    }

    private <R extends Record> void insert(Table<R> table, Map<Field<?>, Field<?>> values) {
        db.dsl.insertInto(table).set(values).execute();
    }

    /** inet is read as text; writing it needs a cast (in production only the column default writes it). */
    private static Field<?> bind(Field<?> field, Object value) {
        return field.equals(AUDIT_LOGS.CLIENT_ADDR)
                ? DSL.field("cast({0} as inet)", String.class, DSL.val(value, String.class))
                : DSL.val(value, field);
    }

    @SuppressWarnings("unchecked")
    private static Condition samePrimaryKey(TableRecord<?> record) {
        return DSL.and(record.getTable().getPrimaryKey().getFields().stream()
                .map(f -> ((Field<Object>) f).eq(record.get(f)))
                .collect(Collectors.toList()));
    }

    /** Column name → value; timestamps as instants, since the offset read back is the session's. */
    private static Map<String, Object> comparable(Record record) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field<?> field : record.fields()) {
            Object value = record.get(field);
            values.put(field.getName(), value instanceof OffsetDateTime ? ((OffsetDateTime) value).toInstant() : value);
        }
        return values;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
