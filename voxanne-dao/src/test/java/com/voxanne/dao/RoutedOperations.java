package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Every single-clinic operation of the DAO's repositories, as calls a test can run and record, and for
 * every other public method of the repositories the reason it is not one. {@code CitusRoutingTest}
 * runs the calls on a distributed database and {@code EXPLAIN}s each statement they send;
 * {@code RoutedOperationsTest} fails when a repository gains a method that is in neither list, so a new
 * read or write cannot be added without its routing being checked.
 */
final class RoutedOperations {

    /** Who a unit of the operation binds as. */
    enum As {
        /** The clinic's user: {@code RequestClaims.user}. */
        USER,
        /** The service role: {@code RequestClaims.service}. */
        SERVICE
    }

    /**
     * A call of {@code method} ({@link #key}), described by {@code name}, that sends its statements through
     * {@link Fixture#measured}; {@code as} binds its units.
     */
    record Operation(String method, String name, As as, Consumer<Fixture> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The public methods of the repositories that are not single-clinic statements of the DAO, with the
     * reason: functions of the schema (their statements are the function's, not the DAO's), work over every
     * organization, and accessors that send nothing.
     */
    static final Map<String, String> NOT_ROUTED = new LinkedHashMap<>();

    static {
        NOT_ROUTED.put("AuditTrail.suspiciousActivity/3", "function: public.detect_suspicious_activity(org, …)");
        NOT_ROUTED.put("AuditTrail.suspiciousActivity/2", "every organization (function detect_suspicious_activity)");
        NOT_ROUTED.put("AuditTrail.archive/2", "every organization (a cursor over old rows, then archive_old_audit_logs)");
        NOT_ROUTED.put("WebhookEvents.cleanup/1", "every organization (delete by processed_at)");
        NOT_ROUTED.put("NotificationMaintenance.expire/0", "every organization (function expire_old_notifications)");
        NOT_ROUTED.put("TenantTransaction.dsl/0", "the caller's own SQL");
        NOT_ROUTED.put("TenantTransaction.organizationId/0", "sends nothing");
        NOT_ROUTED.put("TenantTransaction.userId/0", "sends nothing");
        NOT_ROUTED.put("TenantTransaction.contacts/0", "sends nothing");
        NOT_ROUTED.put("TenantTransaction.appointments/0", "sends nothing");
        NOT_ROUTED.put("TenantTransaction.notifications/0", "sends nothing");
    }

    /** The interfaces whose every public method is either routed or in {@link #NOT_ROUTED}. */
    static final List<Class<?>> REPOSITORIES = List.of(Contacts.class, Appointments.class, Notifications.class,
            TenantTransaction.class, Organizations.class, WebhookEvents.class, AuditTrail.class,
            NotificationMaintenance.class);

    private RoutedOperations() {
    }

    /** {@code Contacts.get/1}: the interface, the method and its number of parameters. */
    static String key(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName() + "/" + method.getParameterCount();
    }

    /**
     * Calls of the DAO that reach a function of the schema with the clinic's organization, reported beside
     * the routed ones (their statements plan as a call on the coordinator; where the function's own
     * statements go is the function's).
     */
    static List<Operation> functionPaths() {
        List<Operation> ops = new ArrayList<>();
        ops.add(new Operation("Contacts.list/1", "contacts.list(search a phone fragment: search_contact_ids)", As.USER,
                f -> f.measured(() -> f.dao.contacts(f.ann).list(ContactQuery.all().search("0198")))));
        ops.add(new Operation("AuditTrail.suspiciousActivity/3", "audit.suspiciousActivity(org) (detect_suspicious_activity)",
                As.SERVICE, f -> f.measured(() -> f.dao.service().audit().suspiciousActivity(f.org(), Duration.ofHours(1), 5))));
        return ops;
    }

    /** Every single-clinic call the repositories offer, with the variants of each read's shape. */
    static List<Operation> routed() {
        List<Operation> ops = new ArrayList<>();
        // Contacts, as the clinic's user
        ops.add(user("Contacts.create/1", "contacts.create", f -> f.measured(() -> f.dao.contacts(f.ann)
                .create(NewContact.named("Routed").phone(f.nextPhone())))));
        ops.add(user("Contacts.create/1", "contacts.create(with an id)", f -> f.measured(() -> f.dao.contacts(f.ann)
                .create(NewContact.named("Routed").id(UUID.randomUUID())))));
        ops.add(user("Contacts.get/1", "contacts.get", f -> f.measured(() -> f.dao.contacts(f.ann).get(f.contact))));
        ops.add(user("Contacts.findByPhone/1", "contacts.findByPhone",
                f -> f.measured(() -> f.dao.contacts(f.ann).findByPhone(f.phone))));
        ops.add(user("Contacts.update/2", "contacts.update", f -> f.measured(() -> f.dao.contacts(f.ann)
                .update(f.contact, ContactUpdate.empty().notes("routed").leadScore(LeadScoreType.WARM)))));
        ops.add(user("Contacts.update/2", "contacts.update(nothing to change)",
                f -> f.measured(() -> f.dao.contacts(f.ann).update(f.contact, ContactUpdate.empty()))));
        ops.add(user("Contacts.delete/1", "contacts.delete", f -> {
            UUID gone = f.dao.contacts(f.ann).create(NewContact.named("Gone")).id();
            f.measured(() -> {
                f.dao.contacts(f.ann).delete(gone);
                return null;
            });
        }));
        for (ContactSort sort : ContactSort.values()) {
            ops.add(user("Contacts.list/1", "contacts.list(" + sort + ")",
                    f -> f.measured(() -> f.dao.contacts(f.ann).list(ContactQuery.all().sortBy(sort)))));
            ops.add(user("Contacts.list/1", "contacts.list(" + sort + ", after a cursor)", f -> {
                String cursor = f.dao.contacts(f.ann).list(ContactQuery.all().sortBy(sort).limit(1)).nextCursor().orElseThrow();
                f.measured(() -> f.dao.contacts(f.ann).list(ContactQuery.all().sortBy(sort).after(cursor)));
            }));
        }
        ops.add(user("Contacts.list/1", "contacts.list(status, score, interest, name search)", f -> f.measured(() -> f.dao
                .contacts(f.ann).list(ContactQuery.all().leadStatus(LeadStatusType.NEW).leadScore(LeadScoreType.COLD)
                        .serviceInterest("botox").search("ann")))));
        ops.add(user("Contacts.countsByLeadStatus/0", "contacts.countsByLeadStatus",
                f -> f.measured(() -> f.dao.contacts(f.ann).countsByLeadStatus())));
        ops.add(user("Contacts.touch/1", "contacts.touch", f -> f.measured(() -> f.dao.contacts(f.ann).touch(f.contact))));
        ops.add(user("Contacts.recordContact/2", "contacts.recordContact", f -> f.measured(() -> f.dao.contacts(f.ann)
                .recordContact(f.contact, OffsetDateTime.now().minusMinutes(5)))));
        ops.add(user("Contacts.importAll/1", "contacts.importAll", f -> f.measured(() -> f.dao.contacts(f.ann)
                .importAll(List.of(NewContact.named("Imported 1").phone(f.nextPhone()), NewContact.named("Imported 2"))))));

        // Appointments, as the clinic's user
        ops.add(user("Appointments.book/4", "appointments.book", f -> f.measured(() -> f.dao.appointments(f.ann)
                .book(f.contact, ServiceType.BOTOX, f.nextSlot(), Duration.ofMinutes(30)))));
        ops.add(user("Appointments.book/5", "appointments.book(with an id)", f -> f.measured(() -> f.dao.appointments(f.ann)
                .book(f.contact, ServiceType.FILLER, f.nextSlot(), Duration.ofMinutes(30), UUID.randomUUID()))));
        ops.add(user("Appointments.get/1", "appointments.get",
                f -> f.measured(() -> f.dao.appointments(f.ann).get(f.appointment))));
        ops.add(user("Appointments.getIncludingDeleted/1", "appointments.getIncludingDeleted",
                f -> f.measured(() -> f.dao.appointments(f.ann).getIncludingDeleted(f.appointment))));
        ops.add(user("Appointments.changeStatus/2", "appointments.changeStatus", f -> {
            UUID id = f.newAppointment();
            f.measured(() -> f.dao.appointments(f.ann).changeStatus(id, AppointmentStatus.CONFIRMED));
        }));
        ops.add(user("Appointments.reschedule/3", "appointments.reschedule", f -> {
            UUID id = f.newAppointment();
            f.measured(() -> f.dao.appointments(f.ann).reschedule(id, f.nextSlot(), Duration.ofMinutes(45)));
        }));
        ops.add(user("Appointments.softDelete/1", "appointments.softDelete", f -> {
            UUID id = f.newAppointment();
            f.measured(() -> f.dao.appointments(f.ann).softDelete(id));
        }));
        ops.add(user("Appointments.restore/1", "appointments.restore", f -> {
            UUID id = f.newAppointment();
            f.dao.appointments(f.ann).softDelete(id);
            f.measured(() -> f.dao.appointments(f.ann).restore(id));
        }));
        ops.add(user("Appointments.restore/1", "appointments.restore(not deleted)",
                f -> f.measured(() -> f.dao.appointments(f.ann).restore(f.appointment))));
        ops.add(user("Appointments.markConfirmationSent/1", "appointments.markConfirmationSent",
                f -> f.measured(() -> f.dao.appointments(f.ann).markConfirmationSent(f.appointment))));
        ops.add(user("Appointments.list/1", "appointments.list", f -> f.measured(() -> f.dao.appointments(f.ann)
                .list(AppointmentQuery.all()))));
        ops.add(user("Appointments.list/1", "appointments.list(every filter, after a cursor)", f -> {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            AppointmentQuery query = AppointmentQuery.all().from(now).until(now.plusYears(1))
                    .statuses(AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED).contact(f.contact).includeDeleted(true);
            String cursor = f.dao.appointments(f.ann).list(query.limit(1)).nextCursor().orElseThrow();
            f.measured(() -> f.dao.appointments(f.ann).list(query.after(cursor)));
        }));
        ops.add(user("Appointments.upcoming/1", "appointments.upcoming",
                f -> f.measured(() -> f.dao.appointments(f.ann).upcoming(20))));

        // Notifications, as the clinic's user. create calls create_notification from the organization's
        // shard on a distributed database (select create_notification(…) from (select count(*) from
        // organizations where id = ?)), so that it runs on the clinic's worker (ADR 0023)
        ops.add(user("Notifications.create/2", "notifications.create (create_notification on the clinic's worker)",
                f -> f.measured(() -> f.dao.notifications(f.ann).create(f.ann.userId(),
                        NewNotification.of(NotificationType.SYSTEM_ALERT, "Routed", "a message")))));
        ops.add(user("Notifications.get/1", "notifications.get",
                f -> f.measured(() -> f.dao.notifications(f.ann).get(f.notification))));
        ops.add(user("Notifications.list/1", "notifications.list", f -> f.measured(() -> f.dao.notifications(f.ann)
                .list(NotificationQuery.all()))));
        ops.add(user("Notifications.list/1", "notifications.list(status, type, after a cursor)", f -> {
            NotificationQuery query = NotificationQuery.all().status(NotificationStatus.UNREAD).type(NotificationType.SYSTEM_ALERT);
            String cursor = f.dao.notifications(f.ann).list(query.limit(1)).nextCursor().orElseThrow();
            f.measured(() -> f.dao.notifications(f.ann).list(query.after(cursor)));
        }));
        ops.add(user("Notifications.unreadCount/0", "notifications.unreadCount",
                f -> f.measured(() -> f.dao.notifications(f.ann).unreadCount())));
        ops.add(user("Notifications.markRead/1", "notifications.markRead", f -> {
            UUID id = f.newNotification();
            f.measured(() -> f.dao.notifications(f.ann).markRead(id));
        }));
        ops.add(user("Notifications.markRead/1", "notifications.markRead(already read)", f -> {
            UUID id = f.newNotification();
            f.dao.notifications(f.ann).markRead(id);
            f.measured(() -> f.dao.notifications(f.ann).markRead(id));
        }));
        ops.add(user("Notifications.markAllRead/0", "notifications.markAllRead",
                f -> f.measured(() -> f.dao.notifications(f.ann).markAllRead())));
        ops.add(user("Notifications.archive/1", "notifications.archive", f -> {
            UUID id = f.newNotification();
            f.measured(() -> f.dao.notifications(f.ann).archive(id));
        }));

        // the clinic's organization, as its user; organizations, webhooks and the audit trail as the service
        ops.add(user("TenantTransaction.organization/0", "organization", f -> f.measured(() -> f.dao.organization(f.ann))));
        ops.add(service("Organizations.create/2", "organizations.create", f -> f.measuredAnyOrganization(
                () -> f.dao.service().organizations().create("Routed clinic", "Europe/London"))));
        ops.add(service("Organizations.get/1", "organizations.get",
                f -> f.measured(() -> f.dao.service().organizations().get(f.org()))));
        ops.add(service("Organizations.suspend/1", "organizations.suspend", f -> {
            UUID other = f.dao.service().organizations().create("Suspended clinic", "Europe/London").id();
            f.measured(other, () -> f.dao.service().organizations().suspend(other));
        }));
        ops.add(service("Organizations.activate/1", "organizations.activate", f -> {
            UUID other = f.dao.service().organizations().create("Reactivated clinic", "Europe/London").id();
            f.dao.service().organizations().suspend(other);
            f.measured(other, () -> f.dao.service().organizations().activate(other));
        }));
        ops.add(service("WebhookEvents.processOnce/4", "webhooks.processOnce", f -> f.measured(() -> f.dao.service()
                .webhooks().processOnce(f.org(), "event " + UUID.randomUUID(), "call.ended", tx -> { }))));
        ops.add(service("AuditTrail.events/1", "audit.events", f -> f.measured(() -> f.dao.service().audit()
                .events(AuditQuery.organization(f.org())))));
        ops.add(service("AuditTrail.events/1", "audit.events(every filter, after a cursor)", f -> {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            AuditQuery query = AuditQuery.organization(f.org()).from(now.minusDays(1)).to(now.plusDays(1))
                    .table("contacts").user(f.ann.userId()).operation("UPDATE");
            String cursor = f.dao.service().audit().events(query.limit(1)).nextCursor().orElseThrow();
            f.measured(() -> f.dao.service().audit().events(query.after(cursor)));
        }));
        return ops;
    }

    private static Operation user(String method, String name, Consumer<Fixture> call) {
        return new Operation(method, name, As.USER, call);
    }

    private static Operation service(String method, String name, Consumer<Fixture> call) {
        return new Operation(method, name, As.SERVICE, call);
    }

    /**
     * One clinic's user and rows for the calls to act on, and the recording of the statements of the call
     * being measured. Rows the calls need beforehand are made outside {@link #measured}.
     */
    static final class Fixture {

        final Voxanne dao;
        final OrgContext ann;
        final UUID contact;
        final String phone;
        final UUID appointment;
        final UUID notification;
        private final StatementRecorder recorder;
        private final DataSource admin;
        private int phones;
        private int slots;
        private List<StatementRecorder.Executed> statements = List.of();
        private UUID organization;

        /** {@code dao} over {@code recorder}; a contact with a phone, two appointments ({@code admin}'s) and two notifications. */
        Fixture(Voxanne dao, StatementRecorder recorder, OrgContext ann, DataSource admin) {
            this.dao = dao;
            this.admin = admin;
            this.recorder = recorder;
            this.ann = ann;
            this.phone = nextPhone();
            this.contact = dao.contacts(ann).create(NewContact.named("Ann Routed").phone(phone)
                    .serviceInterests(List.of("botox"))).id();
            dao.contacts(ann).create(NewContact.named("Bo Routed"));
            dao.contacts(ann).update(contact, ContactUpdate.empty().notes("audited"));
            dao.contacts(ann).update(contact, ContactUpdate.empty().notes("audited twice"));
            this.appointment = newAppointment();
            newAppointment();
            this.notification = newNotification();
            newNotification();
        }

        /** The clinic's organization. */
        UUID org() {
            return ann.organizationId();
        }

        /** Runs {@code call}, one call of the DAO for the clinic, recording what it sends. */
        <T> T measured(Supplier<T> call) {
            return measured(org(), call);
        }

        /** Runs {@code call}, one call of the DAO for {@code organization}, recording what it sends. */
        <T> T measured(UUID organization, Supplier<T> call) {
            StatementRecorder.Recorded<T> recorded = recorder.record(call);
            this.statements = recorded.statements();
            this.organization = organization;
            return recorded.result();
        }

        /** As {@link #measured}, for a call that makes an organization: its statements may go to any one worker. */
        <T> T measuredAnyOrganization(Supplier<T> call) {
            return measured(null, call);
        }

        /** The statements of the last measured call. */
        List<StatementRecorder.Executed> statements() {
            return statements;
        }

        /** The organization the last measured call acted for; null: any. */
        UUID organization() {
            return organization;
        }

        String nextPhone() {
            return "+121255501" + (10 + phones++);
        }

        /** Half an hour of its own, never overlapping another's. */
        OffsetDateTime nextSlot() {
            return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS).plusDays(2).plusHours(slots++);
        }

        /** A pending appointment, inserted as the admin: the booking is a call under test. */
        UUID newAppointment() {
            UUID id = UUID.randomUUID();
            try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement("insert into public.appointments"
                    + " (id, org_id, contact_id, service_type, scheduled_at, duration_minutes) values (?, ?, ?, 'consultation', ?, 30)")) {
                ps.setObject(1, id);
                ps.setObject(2, org());
                ps.setObject(3, contact);
                ps.setObject(4, nextSlot());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return id;
        }

        UUID newNotification() {
            return dao.notifications(ann).create(ann.userId(),
                    NewNotification.of(NotificationType.SYSTEM_ALERT, "Routed", "a message"));
        }
    }
}
