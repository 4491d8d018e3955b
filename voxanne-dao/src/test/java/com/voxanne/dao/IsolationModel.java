package com.voxanne.dao;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What must exist in one organization after the acknowledged writes of {@link RandomizedIsolationTest}.
 *
 * <p>Every entity is keyed by a value the test makes unique across all organizations (a contact by its
 * phone, an appointment by its start, a notification by its title, a webhook event by its id), so a row of
 * another organization can never be mistaken for one of this model. A write whose outcome cannot be known
 * (the connection died while it committed) marks its keys uncertain: the final comparison takes whatever
 * the database has for them, and the test never uses them again.
 *
 * <p>One model is only ever changed by one thread (the thread that owns the organization), so it needs no
 * locking; the ids other threads use for cross-tenant calls live in thread-safe registries of the test.
 */
final class IsolationModel {

    /** A contact as it must be. */
    static final class ContactRow {
        final UUID id;
        String name;
        String notes;

        ContactRow(UUID id, String name, String notes) {
            this.id = id;
            this.name = name;
            this.notes = notes;
        }
    }

    /** An appointment as it must be. */
    static final class AppointmentRow {
        final UUID id;
        final UUID contactId;
        final int minutes;
        String status;

        AppointmentRow(UUID id, UUID contactId, int minutes, String status) {
            this.id = id;
            this.contactId = contactId;
            this.minutes = minutes;
            this.status = status;
        }
    }

    /** A notification as it must be. */
    static final class NotificationRow {
        final UUID id;
        final UUID userId;
        String status;

        NotificationRow(UUID id, UUID userId, String status) {
            this.id = id;
            this.userId = userId;
            this.status = status;
        }
    }

    final UUID organizationId;
    final List<UUID> users;
    final Map<String, ContactRow> contacts = new LinkedHashMap<>();
    final Map<Instant, AppointmentRow> appointments = new LinkedHashMap<>();
    final Map<String, NotificationRow> notifications = new LinkedHashMap<>();
    final Set<String> events = new HashSet<>();
    final Set<String> uncertainPhones = new HashSet<>();
    final Set<UUID> uncertainContactIds = new HashSet<>();
    final Set<Instant> uncertainStarts = new HashSet<>();
    final Set<String> uncertainTitles = new HashSet<>();
    final Set<UUID> uncertainUsers = new HashSet<>();
    final Set<String> uncertainEvents = new HashSet<>();

    IsolationModel(UUID organizationId, List<UUID> users) {
        this.organizationId = organizationId;
        this.users = List.copyOf(users);
    }

    /** Deleting a contact deletes its appointments with it. */
    void deleteContact(String phone) {
        ContactRow gone = contacts.remove(phone);
        appointments.values().removeIf(a -> a.contactId.equals(gone.id));
    }

    /** The contact's row and its appointments become unknowable. */
    void contactUncertain(String phone) {
        uncertainPhones.add(phone);
        ContactRow row = contacts.remove(phone);
        if (row != null) {
            uncertainContactIds.add(row.id);
            appointments.entrySet().removeIf(e -> {
                if (e.getValue().contactId.equals(row.id)) {
                    uncertainStarts.add(e.getKey());
                    return true;
                }
                return false;
            });
        }
    }

    void appointmentUncertain(Instant start) {
        uncertainStarts.add(start);
        appointments.remove(start);
    }

    /** A notification of {@code userId} becomes unknowable, and with it that user's unread count. */
    void notificationUncertain(String title, UUID userId) {
        uncertainTitles.add(title);
        uncertainUsers.add(userId);
        notifications.remove(title);
    }

    void eventUncertain(String eventId) {
        uncertainEvents.add(eventId);
        events.remove(eventId);
    }

    /** The phone of the contact with this id, or {@code null}. */
    String phoneOf(UUID contactId) {
        for (Map.Entry<String, ContactRow> e : contacts.entrySet()) {
            if (e.getValue().id.equals(contactId)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Every difference between this model and the organization's rows as the admin reads them, uncertain
     * keys left out; empty when they agree.
     */
    List<String> differencesFrom(DataSource admin) throws SQLException {
        List<String> out = new ArrayList<>();
        String org = "org " + organizationId + ": ";
        try (Connection c = admin.getConnection()) {
            Map<String, String[]> dbContacts = new HashMap<>();
            try (ResultSet rs = query(c, "select phone, id::text, name, notes from public.contacts where org_id = ?")) {
                while (rs.next()) {
                    dbContacts.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
            for (Map.Entry<String, ContactRow> e : contacts.entrySet()) {
                String[] row = dbContacts.get(e.getKey());
                ContactRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged contact " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.name.equals(row[1]) || !Objects.equals(m.notes, row[2])) {
                    out.add(org + "contact " + m.id + " differs from the acknowledged write (db id " + row[0] + ")");
                }
            }
            for (Map.Entry<String, String[]> e : dbContacts.entrySet()) {
                if (!contacts.containsKey(e.getKey()) && !uncertainPhones.contains(e.getKey())) {
                    out.add(org + "contact " + e.getValue()[0] + " exists but no acknowledged write made it here");
                }
            }

            Map<Instant, String[]> dbAppointments = new HashMap<>();
            try (ResultSet rs = query(c, "select scheduled_at, id::text, contact_id::text, duration_minutes::text,"
                    + " status::text from public.appointments where org_id = ?")) {
                while (rs.next()) {
                    dbAppointments.put(rs.getObject(1, java.time.OffsetDateTime.class).toInstant(),
                            new String[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
                }
            }
            for (Map.Entry<Instant, AppointmentRow> e : appointments.entrySet()) {
                String[] row = dbAppointments.get(e.getKey());
                AppointmentRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged appointment " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.contactId.toString().equals(row[1])
                        || !String.valueOf(m.minutes).equals(row[2]) || !m.status.equals(row[3])) {
                    out.add(org + "appointment " + m.id + " differs: db " + String.join("/", row)
                            + ", model " + m.id + "/" + m.contactId + "/" + m.minutes + "/" + m.status);
                }
            }
            for (Map.Entry<Instant, String[]> e : dbAppointments.entrySet()) {
                if (!appointments.containsKey(e.getKey()) && !uncertainStarts.contains(e.getKey())) {
                    out.add(org + "appointment " + e.getValue()[0] + " exists but no acknowledged write made it here");
                }
            }

            Map<String, String[]> dbNotifications = new HashMap<>();
            try (ResultSet rs = query(c, "select title, id::text, user_id::text, status::text from public.notifications"
                    + " where org_id = ?")) {
                while (rs.next()) {
                    dbNotifications.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
            for (Map.Entry<String, NotificationRow> e : notifications.entrySet()) {
                String[] row = dbNotifications.get(e.getKey());
                NotificationRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged notification " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.userId.toString().equals(row[1]) || !m.status.equals(row[2])) {
                    out.add(org + "notification " + m.id + " differs: db " + String.join("/", row) + ", model " + m.status);
                }
            }
            for (Map.Entry<String, String[]> e : dbNotifications.entrySet()) {
                if (!notifications.containsKey(e.getKey()) && !uncertainTitles.contains(e.getKey())) {
                    out.add(org + "notification " + e.getValue()[0] + " exists but no acknowledged write made it here");
                }
            }

            Set<String> dbEvents = new HashSet<>();
            try (ResultSet rs = query(c, "select event_id from public.processed_webhook_events where org_id = ?")) {
                while (rs.next()) {
                    dbEvents.add(rs.getString(1));
                }
            }
            for (String e : events) {
                if (!dbEvents.contains(e)) {
                    out.add(org + "acknowledged webhook event " + e + " is not recorded");
                }
            }
            for (String e : dbEvents) {
                if (!events.contains(e) && !uncertainEvents.contains(e)) {
                    out.add(org + "webhook event " + e + " is recorded but was never acknowledged");
                }
            }
        }
        return out;
    }

    private ResultSet query(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.closeOnCompletion();
        ps.setObject(1, organizationId);
        return ps.executeQuery();
    }
}
