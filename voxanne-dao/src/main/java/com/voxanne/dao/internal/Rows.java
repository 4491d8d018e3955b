package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.APPOINTMENTS;
import static com.voxanne.schema.jooq.Tables.AUDIT_LOGS;
import static com.voxanne.schema.jooq.Tables.CONTACTS;
import static com.voxanne.schema.jooq.Tables.NOTIFICATIONS;
import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;

import com.voxanne.dao.Appointment;
import com.voxanne.dao.AuditEvent;
import com.voxanne.dao.Contact;
import com.voxanne.dao.Notification;
import com.voxanne.dao.Organization;
import com.voxanne.dao.RelatedEntityType;
import com.voxanne.dao.ServiceType;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.jsonb.JsonNodeConverter;
import com.voxanne.schema.jsonb.NotificationChannel;
import com.voxanne.schema.jsonb.NotificationChannelSetConverter;
import com.voxanne.schema.jsonb.StringListConverter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.ResultQuery;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.exception.NoDataFoundException;
import org.jooq.exception.TooManyRowsException;

/**
 * The one mapping of each table's whole rows ({@code selectFrom(TABLE)}, {@code returning()}) to the DAO's
 * types, read straight from JDBC: by {@link RenderedReads}, and by the statements jOOQ runs, whose JDBC
 * result {@link #fetch} reads with the same mapper. Column positions come from the generated tables, the
 * order jOOQ renders them in; JSON columns go through the generated converters, enums through their
 * generated literals, times through {@link PgJdbc#timestamptz}, the value PgJDBC's
 * {@code getObject(…, OffsetDateTime.class)} returns, in UTC whatever the JVM's or the session's zone, so
 * a row read two ways is equal.
 */
final class Rows {

    private static final int CONTACT_ID = column(CONTACTS, CONTACTS.ID);
    private static final int CONTACT_ORG = column(CONTACTS, CONTACTS.ORG_ID);
    private static final int CONTACT_NAME = column(CONTACTS, CONTACTS.NAME);
    private static final int CONTACT_PHONE = column(CONTACTS, CONTACTS.PHONE);
    private static final int CONTACT_EMAIL = column(CONTACTS, CONTACTS.EMAIL);
    private static final int CONTACT_INTERESTS = column(CONTACTS, CONTACTS.SERVICE_INTERESTS);
    private static final int CONTACT_SCORE = column(CONTACTS, CONTACTS.LEAD_SCORE);
    private static final int CONTACT_STATUS = column(CONTACTS, CONTACTS.LEAD_STATUS);
    private static final int CONTACT_LAST = column(CONTACTS, CONTACTS.LAST_CONTACT_AT);
    private static final int CONTACT_NOTES = column(CONTACTS, CONTACTS.NOTES);
    private static final int CONTACT_CREATED = column(CONTACTS, CONTACTS.CREATED_AT);
    private static final int CONTACT_UPDATED = column(CONTACTS, CONTACTS.UPDATED_AT);

    private static final int APPOINTMENT_ID = column(APPOINTMENTS, APPOINTMENTS.ID);
    private static final int APPOINTMENT_ORG = column(APPOINTMENTS, APPOINTMENTS.ORG_ID);
    private static final int APPOINTMENT_CONTACT = column(APPOINTMENTS, APPOINTMENTS.CONTACT_ID);
    private static final int APPOINTMENT_SERVICE = column(APPOINTMENTS, APPOINTMENTS.SERVICE_TYPE);
    private static final int APPOINTMENT_AT = column(APPOINTMENTS, APPOINTMENTS.SCHEDULED_AT);
    private static final int APPOINTMENT_MINUTES = column(APPOINTMENTS, APPOINTMENTS.DURATION_MINUTES);
    private static final int APPOINTMENT_STATUS = column(APPOINTMENTS, APPOINTMENTS.STATUS);
    private static final int APPOINTMENT_LINK = column(APPOINTMENTS, APPOINTMENTS.CALENDAR_LINK);
    private static final int APPOINTMENT_CONFIRMED = column(APPOINTMENTS, APPOINTMENTS.CONFIRMATION_SENT);
    private static final int APPOINTMENT_NOTES = column(APPOINTMENTS, APPOINTMENTS.NOTES);
    private static final int APPOINTMENT_DELETED = column(APPOINTMENTS, APPOINTMENTS.DELETED_AT);
    private static final int APPOINTMENT_CREATED = column(APPOINTMENTS, APPOINTMENTS.CREATED_AT);
    private static final int APPOINTMENT_UPDATED = column(APPOINTMENTS, APPOINTMENTS.UPDATED_AT);

    private static final int NOTIFICATION_ID = column(NOTIFICATIONS, NOTIFICATIONS.ID);
    private static final int NOTIFICATION_ORG = column(NOTIFICATIONS, NOTIFICATIONS.ORG_ID);
    private static final int NOTIFICATION_USER = column(NOTIFICATIONS, NOTIFICATIONS.USER_ID);
    private static final int NOTIFICATION_TYPE = column(NOTIFICATIONS, NOTIFICATIONS.TYPE);
    private static final int NOTIFICATION_TITLE = column(NOTIFICATIONS, NOTIFICATIONS.TITLE);
    private static final int NOTIFICATION_MESSAGE = column(NOTIFICATIONS, NOTIFICATIONS.MESSAGE);
    private static final int NOTIFICATION_ENTITY_TYPE = column(NOTIFICATIONS, NOTIFICATIONS.RELATED_ENTITY_TYPE);
    private static final int NOTIFICATION_ENTITY_ID = column(NOTIFICATIONS, NOTIFICATIONS.RELATED_ENTITY_ID);
    private static final int NOTIFICATION_STATUS = column(NOTIFICATIONS, NOTIFICATIONS.STATUS);
    private static final int NOTIFICATION_READ = column(NOTIFICATIONS, NOTIFICATIONS.READ_AT);
    private static final int NOTIFICATION_URL = column(NOTIFICATIONS, NOTIFICATIONS.ACTION_URL);
    private static final int NOTIFICATION_PRIORITY = column(NOTIFICATIONS, NOTIFICATIONS.PRIORITY);
    private static final int NOTIFICATION_CHANNELS = column(NOTIFICATIONS, NOTIFICATIONS.CHANNELS);
    private static final int NOTIFICATION_EXPIRES = column(NOTIFICATIONS, NOTIFICATIONS.EXPIRES_AT);
    private static final int NOTIFICATION_CREATED = column(NOTIFICATIONS, NOTIFICATIONS.CREATED_AT);
    private static final int NOTIFICATION_UPDATED = column(NOTIFICATIONS, NOTIFICATIONS.UPDATED_AT);

    private static final int ORGANIZATION_ID = column(ORGANIZATIONS, ORGANIZATIONS.ID);
    private static final int ORGANIZATION_NAME = column(ORGANIZATIONS, ORGANIZATIONS.NAME);
    private static final int ORGANIZATION_STATUS = column(ORGANIZATIONS, ORGANIZATIONS.STATUS);
    private static final int ORGANIZATION_TIMEZONE = column(ORGANIZATIONS, ORGANIZATIONS.TIMEZONE);
    private static final int ORGANIZATION_CREATED = column(ORGANIZATIONS, ORGANIZATIONS.CREATED_AT);
    private static final int ORGANIZATION_UPDATED = column(ORGANIZATIONS, ORGANIZATIONS.UPDATED_AT);

    private static final int AUDIT_ID = column(AUDIT_LOGS, AUDIT_LOGS.ID);
    private static final int AUDIT_EVENT_TYPE = column(AUDIT_LOGS, AUDIT_LOGS.EVENT_TYPE);
    private static final int AUDIT_OPERATION = column(AUDIT_LOGS, AUDIT_LOGS.OPERATION);
    private static final int AUDIT_SCHEMA = column(AUDIT_LOGS, AUDIT_LOGS.SCHEMA_NAME);
    private static final int AUDIT_TABLE = column(AUDIT_LOGS, AUDIT_LOGS.TABLE_NAME);
    private static final int AUDIT_DATABASE_USER = column(AUDIT_LOGS, AUDIT_LOGS.DATABASE_USER);
    private static final int AUDIT_SESSION_USER = column(AUDIT_LOGS, AUDIT_LOGS.SESSION_USER_NAME);
    private static final int AUDIT_USER = column(AUDIT_LOGS, AUDIT_LOGS.AUTHENTICATED_USER);
    private static final int AUDIT_ORG = column(AUDIT_LOGS, AUDIT_LOGS.ORG_ID);
    private static final int AUDIT_CLAIMS_ORG = column(AUDIT_LOGS, AUDIT_LOGS.CLAIMS_ORG_ID);
    private static final int AUDIT_STATEMENT = column(AUDIT_LOGS, AUDIT_LOGS.STATEMENT_TEXT);
    private static final int AUDIT_ROW_DATA = column(AUDIT_LOGS, AUDIT_LOGS.ROW_DATA);
    private static final int AUDIT_OLD_DATA = column(AUDIT_LOGS, AUDIT_LOGS.OLD_DATA);
    private static final int AUDIT_TIME = column(AUDIT_LOGS, AUDIT_LOGS.EVENT_TIME);
    private static final int AUDIT_CLIENT = column(AUDIT_LOGS, AUDIT_LOGS.CLIENT_ADDR);

    /** The converters the generated tables use for these JSON columns (thread-safe, stateless). */
    static final StringListConverter SERVICE_INTERESTS = new StringListConverter();
    private static final NotificationChannelSetConverter CHANNELS = new NotificationChannelSetConverter();
    private static final JsonNodeConverter JSON = new JsonNodeConverter();
    private static final int MAX_PARSED_CHANNELS = 64;
    private static final Map<String, Set<NotificationChannel>> PARSED_CHANNELS = new ConcurrentHashMap<>();

    /*
     * Each generated enum by its database literal. jOOQ's lookupLiteral finds the same constant through a
     * cache keyed by class, a dearer lookup made for every enum column of every row.
     */
    static final Map<String, LeadStatusType> LEAD_STATUSES = byLiteral(LeadStatusType.values());
    private static final Map<String, LeadScoreType> LEAD_SCORES = byLiteral(LeadScoreType.values());
    private static final Map<String, AppointmentStatus> APPOINTMENT_STATUSES = byLiteral(AppointmentStatus.values());
    private static final Map<String, NotificationType> NOTIFICATION_TYPES = byLiteral(NotificationType.values());
    private static final Map<String, NotificationStatus> NOTIFICATION_STATUSES = byLiteral(NotificationStatus.values());
    private static final Map<String, NotificationPriority> NOTIFICATION_PRIORITIES =
            byLiteral(NotificationPriority.values());
    private static final Map<String, OrganizationStatus> ORGANIZATION_STATUSES = byLiteral(OrganizationStatus.values());
    /** A check constraint's values, not a database enum (ADR 0012): looked up as the generated ones are. */
    private static final Map<String, ServiceType> SERVICE_TYPES =
            Arrays.stream(ServiceType.values()).collect(Collectors.toUnmodifiableMap(ServiceType::literal, t -> t));

    private Rows() {
    }

    private static <E extends EnumType> Map<String, E> byLiteral(E[] constants) {
        Map<String, E> byLiteral = new HashMap<>();
        for (E constant : constants) {
            byLiteral.put(constant.getLiteral(), constant);
        }
        return Map.copyOf(byLiteral);
    }

    /** The constant whose literal is {@code literal}; null for SQL NULL (the columns read so are NOT NULL). */
    static <E> E literal(Map<String, E> constants, String literal) {
        return literal == null ? null : constants.get(literal);
    }

    /**
     * The rows of {@code query}, which jOOQ renders and runs on its configuration's connection, each read
     * from the JDBC result by {@code reader}: a statement whose text changes with every call (a partial
     * update, a multi-row insert) still maps its rows like a rendered read.
     */
    static <T> List<T> fetch(ResultQuery<?> query, RenderedReads.RowReader<T> reader) {
        try (ResultSet rows = query.fetchResultSet()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(reader.read(rows));
            }
            return result;
        } catch (SQLException e) {
            // as jOOQ reports a failure while it reads rows, so the DAO translates it as any of jOOQ's
            throw new DataAccessException("reading the rows of a query failed", e);
        }
    }

    /** The row of {@code query} if there is one; more than one is jOOQ's {@link TooManyRowsException}. */
    static <T> Optional<T> fetchOptional(ResultQuery<?> query, RenderedReads.RowReader<T> reader) {
        List<T> rows = fetch(query, reader);
        if (rows.size() > 1) {
            throw new TooManyRowsException("the query returned " + rows.size() + " rows, expected at most one");
        }
        return rows.stream().findFirst();
    }

    /** The one row of {@code query}; none or more are jOOQ's exceptions, as {@code fetchSingle}'s. */
    static <T> T fetchSingle(ResultQuery<?> query, RenderedReads.RowReader<T> reader) {
        return fetchOptional(query, reader).orElseThrow(() -> new NoDataFoundException("the query returned no row"));
    }

    /** {@code time} in UTC (null stays null): the one offset the DAO hands out. */
    static OffsetDateTime utc(OffsetDateTime time) {
        return time == null || time.getOffset().equals(ZoneOffset.UTC) ? time : time.withOffsetSameInstant(ZoneOffset.UTC);
    }

    static Contact contact(ResultSet row) throws SQLException {
        return new Contact(uuid(row, CONTACT_ID), uuid(row, CONTACT_ORG), row.getString(CONTACT_NAME),
                row.getString(CONTACT_PHONE), row.getString(CONTACT_EMAIL),
                serviceInterests(row.getString(CONTACT_INTERESTS)),
                literal(LEAD_SCORES, row.getString(CONTACT_SCORE)),
                literal(LEAD_STATUSES, row.getString(CONTACT_STATUS)), time(row, CONTACT_LAST),
                row.getString(CONTACT_NOTES), time(row, CONTACT_CREATED), time(row, CONTACT_UPDATED));
    }

    static Appointment appointment(ResultSet row) throws SQLException {
        return new Appointment(uuid(row, APPOINTMENT_ID), uuid(row, APPOINTMENT_ORG), uuid(row, APPOINTMENT_CONTACT),
                serviceType(row.getString(APPOINTMENT_SERVICE)), time(row, APPOINTMENT_AT),
                Duration.ofMinutes(row.getInt(APPOINTMENT_MINUTES)),
                literal(APPOINTMENT_STATUSES, row.getString(APPOINTMENT_STATUS)), row.getString(APPOINTMENT_LINK),
                row.getBoolean(APPOINTMENT_CONFIRMED), row.getString(APPOINTMENT_NOTES), time(row, APPOINTMENT_DELETED),
                time(row, APPOINTMENT_CREATED), time(row, APPOINTMENT_UPDATED));
    }

    static Notification notification(ResultSet row) throws SQLException {
        String entityType = row.getString(NOTIFICATION_ENTITY_TYPE);
        return new Notification(uuid(row, NOTIFICATION_ID), uuid(row, NOTIFICATION_ORG), uuid(row, NOTIFICATION_USER),
                literal(NOTIFICATION_TYPES, row.getString(NOTIFICATION_TYPE)), row.getString(NOTIFICATION_TITLE),
                row.getString(NOTIFICATION_MESSAGE), entityType == null ? null : RelatedEntityType.fromLiteral(entityType),
                uuid(row, NOTIFICATION_ENTITY_ID), literal(NOTIFICATION_STATUSES, row.getString(NOTIFICATION_STATUS)),
                time(row, NOTIFICATION_READ), row.getString(NOTIFICATION_URL),
                literal(NOTIFICATION_PRIORITIES, row.getString(NOTIFICATION_PRIORITY)),
                channels(row.getString(NOTIFICATION_CHANNELS)),
                time(row, NOTIFICATION_EXPIRES), time(row, NOTIFICATION_CREATED), time(row, NOTIFICATION_UPDATED));
    }

    static Organization organization(ResultSet row) throws SQLException {
        return new Organization(uuid(row, ORGANIZATION_ID), row.getString(ORGANIZATION_NAME),
                literal(ORGANIZATION_STATUSES, row.getString(ORGANIZATION_STATUS)), row.getString(ORGANIZATION_TIMEZONE),
                time(row, ORGANIZATION_CREATED), time(row, ORGANIZATION_UPDATED));
    }

    static AuditEvent auditEvent(ResultSet row) throws SQLException {
        return new AuditEvent(row.getLong(AUDIT_ID), row.getString(AUDIT_EVENT_TYPE), row.getString(AUDIT_OPERATION),
                row.getString(AUDIT_SCHEMA), row.getString(AUDIT_TABLE), row.getString(AUDIT_DATABASE_USER),
                row.getString(AUDIT_SESSION_USER), uuid(row, AUDIT_USER), uuid(row, AUDIT_ORG), uuid(row, AUDIT_CLAIMS_ORG),
                row.getString(AUDIT_STATEMENT), JSON.from(json(row, AUDIT_ROW_DATA)), JSON.from(json(row, AUDIT_OLD_DATA)),
                time(row, AUDIT_TIME), row.getString(AUDIT_CLIENT));
    }

    /**
     * An appointment's service type: a map lookup, where {@link ServiceType#of} (for a caller's text)
     * ignores case and blanks on every call. A value the enum does not know goes to {@code of}, which
     * refuses it.
     */
    private static ServiceType serviceType(String literal) {
        ServiceType type = literal == null ? null : SERVICE_TYPES.get(literal);
        return type != null || literal == null ? type : ServiceType.of(literal);
    }

    /** A contact's interests; most contacts have none, which needs no parser. */
    private static List<String> serviceInterests(String json) {
        return "[]".equals(json) ? List.of() : SERVICE_INTERESTS.from(JSONB.jsonbOrNull(json));
    }

    /**
     * A notification's channels. jsonb prints an array canonically and there are four channels, so a
     * list of notifications holds a handful of distinct texts: each is parsed once (no patient data: the
     * channels are the schema's literals). The bound only guards against arrays that repeat a channel.
     */
    private static Set<NotificationChannel> channels(String json) {
        if (json == null) {
            return null;
        }
        Set<NotificationChannel> parsed = PARSED_CHANNELS.get(json);
        if (parsed == null) {
            parsed = Set.copyOf(CHANNELS.from(JSONB.jsonb(json)));
            if (PARSED_CHANNELS.size() < MAX_PARSED_CHANNELS) {
                PARSED_CHANNELS.put(json, parsed);
            }
        }
        return parsed;
    }

    private static UUID uuid(ResultSet row, int column) throws SQLException {
        return row.getObject(column, UUID.class);
    }

    /** In UTC, as PgJDBC returns timestamptz; read from its binary form where PgJDBC received one. */
    private static OffsetDateTime time(ResultSet row, int column) throws SQLException {
        return PgJdbc.timestamptz(row, column);
    }

    private static JSONB json(ResultSet row, int column) throws SQLException {
        return JSONB.jsonbOrNull(row.getString(column));
    }

    /** The 1-based JDBC position of {@code field} in {@code select * from table} as jOOQ renders it. */
    private static int column(Table<?> table, Field<?> field) {
        int index = table.indexOf(field);
        if (index < 0) {
            throw new IllegalStateException(field + " is not a column of " + table);
        }
        return index + 1;
    }
}
