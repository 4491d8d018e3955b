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
 * another organization can never be mistaken for one of this model. Appointments start in two-hour slots
 * handed out once per run; one that is rescheduled moves to a new slot, or half an hour into a slot its own
 * organization already has, so two appointments never share a start. A write whose outcome cannot be known
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
        String leadStatus = "new";
        /** Its last contact time as the database returned it, or {@code null} if never contacted. */
        Instant lastContactAt;

        ContactRow(UUID id, String name, String notes) {
            this.id = id;
            this.name = name;
            this.notes = notes;
        }
    }

    /** An appointment as it must be (its start is its key in {@link #appointments}). */
    static final class AppointmentRow {
        final UUID id;
        final UUID contactId;
        int minutes;
        String status;
        boolean deleted;
        boolean confirmationSent;

        AppointmentRow(UUID id, UUID contactId, int minutes, String status) {
            this.id = id;
            this.contactId = contactId;
            this.minutes = minutes;
            this.status = status;
        }

        /** Whether it holds its time slot: the rows the no-double-booking constraint compares. */
        boolean holdsSlot() {
            return !deleted && !status.equals("cancelled") && !status.equals("no_show");
        }
    }

    /** A notification as it must be. */
    static final class NotificationRow {
        /** {@link #readAt} of a notification marked read by a call that did not return the time. */
        static final Instant READ_AT_NOT_RETURNED = Instant.MIN;

        final UUID id;
        final UUID userId;
        String status;
        /** When it was first read as the database returned it, {@code null} if never, or {@link #READ_AT_NOT_RETURNED}. */
        Instant readAt;

        NotificationRow(UUID id, UUID userId, String status) {
            this.id = id;
            this.userId = userId;
            this.status = status;
        }
    }

    /** What the no-double-booking constraint must do with a slot, as far as the model can tell. */
    enum Slot { FREE, TAKEN, UNKNOWN }

    /** The longest appointment the test books or reschedules to: how far an uncertain start may reach. */
    static final int MAX_MINUTES = 60;

    final UUID organizationId;
    final List<UUID> users;
    final Map<String, ContactRow> contacts = new LinkedHashMap<>();
    final Map<Instant, AppointmentRow> appointments = new LinkedHashMap<>();
    final Map<String, NotificationRow> notifications = new LinkedHashMap<>();
    final Set<String> events = new HashSet<>();
    final Set<String> uncertainPhones = new HashSet<>();
    final Set<UUID> uncertainContactIds = new HashSet<>();
    final Set<Instant> uncertainStarts = new HashSet<>();
    /** The ids of appointments whose row became unknowable (a booking of unknown outcome has no known id). */
    final Set<UUID> uncertainAppointmentIds = new HashSet<>();
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
                    uncertainAppointmentIds.add(e.getValue().id);
                    return true;
                }
                return false;
            });
        }
    }

    void appointmentUncertain(Instant start) {
        uncertainStarts.add(start);
        AppointmentRow row = appointments.remove(start);
        if (row != null) {
            uncertainAppointmentIds.add(row.id);
        }
    }

    /** A notification of {@code userId} becomes unknowable, and with it that user's unread count. */
    void notificationUncertain(String title, UUID userId) {
        uncertainTitles.add(title);
        uncertainUsers.add(userId);
        notifications.remove(title);
    }

    /**
     * Whether an active appointment of {@code minutes} from {@code start} (other than {@code self}) would
     * overlap one that holds its slot: {@link Slot#UNKNOWN} when only an uncertain appointment could.
     */
    Slot slot(Instant start, int minutes, UUID self) {
        Instant end = start.plusSeconds(60L * minutes);
        for (Map.Entry<Instant, AppointmentRow> e : appointments.entrySet()) {
            AppointmentRow a = e.getValue();
            if (!a.id.equals(self) && a.holdsSlot() && e.getKey().isBefore(end)
                    && start.isBefore(e.getKey().plusSeconds(60L * a.minutes))) {
                return Slot.TAKEN;
            }
        }
        for (Instant u : uncertainStarts) {
            if (u.isBefore(end) && start.isBefore(u.plusSeconds(60L * MAX_MINUTES))) {
                return Slot.UNKNOWN;
            }
        }
        return Slot.FREE;
    }

    /** Whether {@code start} is no key of this model, certain or not: a start a new or moved appointment may take. */
    boolean freeKey(Instant start) {
        return !appointments.containsKey(start) && !uncertainStarts.contains(start);
    }

    /** The start of the appointment with this id, or {@code null}. */
    Instant startOf(UUID appointmentId) {
        for (Map.Entry<Instant, AppointmentRow> e : appointments.entrySet()) {
            if (e.getValue().id.equals(appointmentId)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Every unread notification of {@code userId} becomes unknowable (a mark-all-read whose outcome is unknown). */
    void unreadOfUserUncertain(UUID userId) {
        List<String> unread = new ArrayList<>();
        notifications.forEach((title, n) -> {
            if (n.userId.equals(userId) && n.status.equals("unread")) {
                unread.add(title);
            }
        });
        unread.forEach(title -> notificationUncertain(title, userId));
        uncertainUsers.add(userId);
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
            try (ResultSet rs = query(c, "select phone, id::text, name, notes, lead_status::text, last_contact_at"
                    + " from public.contacts where org_id = ?")) {
                while (rs.next()) {
                    java.time.OffsetDateTime last = rs.getObject(6, java.time.OffsetDateTime.class);
                    dbContacts.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), last == null ? null : last.toInstant().toString()});
                }
            }
            for (Map.Entry<String, ContactRow> e : contacts.entrySet()) {
                String[] row = dbContacts.get(e.getKey());
                ContactRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged contact " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.name.equals(row[1]) || !Objects.equals(m.notes, row[2])
                        || !m.leadStatus.equals(row[3])
                        || !Objects.equals(m.lastContactAt == null ? null : m.lastContactAt.toString(), row[4])) {
                    out.add(org + "contact " + m.id + " differs from the acknowledged write (db id " + row[0]
                            + ", lead status " + row[3] + " / model " + m.leadStatus + ", last contact " + row[4]
                            + " / model " + m.lastContactAt + ")");
                }
            }
            for (Map.Entry<String, String[]> e : dbContacts.entrySet()) {
                if (!contacts.containsKey(e.getKey()) && !uncertainPhones.contains(e.getKey())) {
                    out.add(org + "contact " + e.getValue()[0] + " exists but no acknowledged write made it here");
                }
            }

            Map<Instant, String[]> dbAppointments = new HashMap<>();
            try (ResultSet rs = query(c, "select scheduled_at, id::text, contact_id::text, duration_minutes::text,"
                    + " status::text, (deleted_at is not null)::text, confirmation_sent::text"
                    + " from public.appointments where org_id = ?")) {
                while (rs.next()) {
                    Instant start = rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
                    if (dbAppointments.containsKey(start)) {
                        out.add(org + "two appointments start at " + start + ": the test keys them by start");
                    }
                    dbAppointments.put(start, new String[] {rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)});
                }
            }
            for (Map.Entry<Instant, AppointmentRow> e : appointments.entrySet()) {
                String[] row = dbAppointments.get(e.getKey());
                AppointmentRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged appointment " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.contactId.toString().equals(row[1])
                        || !String.valueOf(m.minutes).equals(row[2]) || !m.status.equals(row[3])
                        || !String.valueOf(m.deleted).equals(row[4]) || !String.valueOf(m.confirmationSent).equals(row[5])) {
                    out.add(org + "appointment " + m.id + " differs: db " + String.join("/", row) + ", model " + m.id
                            + "/" + m.contactId + "/" + m.minutes + "/" + m.status + "/" + m.deleted + "/" + m.confirmationSent);
                }
            }
            for (Map.Entry<Instant, String[]> e : dbAppointments.entrySet()) {
                if (!appointments.containsKey(e.getKey()) && !uncertainStarts.contains(e.getKey())) {
                    out.add(org + "appointment " + e.getValue()[0] + " exists but no acknowledged write made it here");
                }
            }

            Map<String, String[]> dbNotifications = new HashMap<>();
            try (ResultSet rs = query(c, "select title, id::text, user_id::text, status::text, read_at"
                    + " from public.notifications where org_id = ?")) {
                while (rs.next()) {
                    java.time.OffsetDateTime read = rs.getObject(5, java.time.OffsetDateTime.class);
                    dbNotifications.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4),
                            read == null ? null : read.toInstant().toString()});
                }
            }
            for (Map.Entry<String, NotificationRow> e : notifications.entrySet()) {
                String[] row = dbNotifications.get(e.getKey());
                NotificationRow m = e.getValue();
                if (row == null) {
                    out.add(org + "acknowledged notification " + m.id + " is missing");
                } else if (!m.id.toString().equals(row[0]) || !m.userId.toString().equals(row[1]) || !m.status.equals(row[2])
                        || (m.readAt == NotificationRow.READ_AT_NOT_RETURNED ? row[3] == null
                                : !Objects.equals(m.readAt == null ? null : m.readAt.toString(), row[3]))) {
                    out.add(org + "notification " + m.id + " differs: db " + row[2] + "/read " + row[3] + ", model "
                            + m.status + "/read " + m.readAt);
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
