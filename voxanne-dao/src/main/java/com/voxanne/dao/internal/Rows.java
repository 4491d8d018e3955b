package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.APPOINTMENTS;
import static com.voxanne.schema.jooq.Tables.CONTACTS;
import static com.voxanne.schema.jooq.Tables.NOTIFICATIONS;

import com.voxanne.dao.Appointment;
import com.voxanne.dao.Contact;
import com.voxanne.dao.Notification;
import com.voxanne.dao.RelatedEntityType;
import com.voxanne.dao.ServiceType;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannelSetConverter;
import com.voxanne.schema.jsonb.StringListConverter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Table;

/**
 * Reads whole rows of {@code selectFrom(TABLE)} straight from JDBC into the DAO's types, for
 * {@link RenderedReads}. Column positions come from the generated tables, the order jOOQ renders them
 * in; JSON columns go through the generated converters, enums through their generated literals.
 *
 * <p>Every time is returned in UTC, here and in the repositories' jOOQ paths ({@link #utc}), so that a
 * contact read by {@code get} equals the same contact read by {@code list} whatever the JVM's zone.
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

    /** The converters the generated tables use for these JSON columns (thread-safe, stateless). */
    static final StringListConverter SERVICE_INTERESTS = new StringListConverter();
    private static final NotificationChannelSetConverter CHANNELS = new NotificationChannelSetConverter();

    private Rows() {
    }

    /** {@code time} in UTC (null stays null): the one offset the DAO hands out. */
    static OffsetDateTime utc(OffsetDateTime time) {
        return time == null || time.getOffset().equals(ZoneOffset.UTC) ? time : time.withOffsetSameInstant(ZoneOffset.UTC);
    }

    static Contact contact(ResultSet row) throws SQLException {
        return new Contact(uuid(row, CONTACT_ID), uuid(row, CONTACT_ORG), row.getString(CONTACT_NAME),
                row.getString(CONTACT_PHONE), row.getString(CONTACT_EMAIL),
                SERVICE_INTERESTS.from(json(row, CONTACT_INTERESTS)),
                LeadScoreType.lookupLiteral(row.getString(CONTACT_SCORE)),
                LeadStatusType.lookupLiteral(row.getString(CONTACT_STATUS)), time(row, CONTACT_LAST),
                row.getString(CONTACT_NOTES), time(row, CONTACT_CREATED), time(row, CONTACT_UPDATED));
    }

    static Appointment appointment(ResultSet row) throws SQLException {
        return new Appointment(uuid(row, APPOINTMENT_ID), uuid(row, APPOINTMENT_ORG), uuid(row, APPOINTMENT_CONTACT),
                ServiceType.of(row.getString(APPOINTMENT_SERVICE)), time(row, APPOINTMENT_AT),
                Duration.ofMinutes(row.getInt(APPOINTMENT_MINUTES)),
                AppointmentStatus.lookupLiteral(row.getString(APPOINTMENT_STATUS)), row.getString(APPOINTMENT_LINK),
                row.getBoolean(APPOINTMENT_CONFIRMED), row.getString(APPOINTMENT_NOTES), time(row, APPOINTMENT_DELETED),
                time(row, APPOINTMENT_CREATED), time(row, APPOINTMENT_UPDATED));
    }

    static Notification notification(ResultSet row) throws SQLException {
        String entityType = row.getString(NOTIFICATION_ENTITY_TYPE);
        return new Notification(uuid(row, NOTIFICATION_ID), uuid(row, NOTIFICATION_ORG), uuid(row, NOTIFICATION_USER),
                NotificationType.lookupLiteral(row.getString(NOTIFICATION_TYPE)), row.getString(NOTIFICATION_TITLE),
                row.getString(NOTIFICATION_MESSAGE), entityType == null ? null : RelatedEntityType.fromLiteral(entityType),
                uuid(row, NOTIFICATION_ENTITY_ID), NotificationStatus.lookupLiteral(row.getString(NOTIFICATION_STATUS)),
                time(row, NOTIFICATION_READ), row.getString(NOTIFICATION_URL),
                NotificationPriority.lookupLiteral(row.getString(NOTIFICATION_PRIORITY)),
                CHANNELS.from(json(row, NOTIFICATION_CHANNELS)),
                time(row, NOTIFICATION_EXPIRES), time(row, NOTIFICATION_CREATED), time(row, NOTIFICATION_UPDATED));
    }

    private static UUID uuid(ResultSet row, int column) throws SQLException {
        return row.getObject(column, UUID.class);
    }

    /** PgJDBC returns timestamptz in UTC. */
    private static OffsetDateTime time(ResultSet row, int column) throws SQLException {
        return row.getObject(column, OffsetDateTime.class);
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
