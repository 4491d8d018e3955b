package com.voxanne.cli;

import com.voxanne.schema.session.AuthUsers;
import com.voxanne.dao.Appointment;
import com.voxanne.dao.AuditEvent;
import com.voxanne.dao.AuditQuery;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Organization;
import com.voxanne.dao.ServiceType;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import picocli.CommandLine.Command;

/**
 * {@code voxanne demo}: two clinics, their users, contacts and an appointment, a user of one clinic
 * reading the other's data and seeing nothing, a webhook delivered twice and processed once, and the
 * audit trail of it all.
 *
 * <p>The isolation it shows is real row-level security. The operator's login (a superuser, or
 * {@code postgres} on Supabase) bypasses it, so the command uses that login only for what Supabase itself
 * would do as admin: migrating, creating the demo login role, and inserting users into {@code auth.users}.
 * Everything else goes through the DAO built with {@link Voxanne#create} (no opt-out of its login-role
 * check) on a connection as {@value #LOGIN_ROLE}, a role like Supabase's {@code authenticator}: LOGIN
 * NOINHERIT NOSUPERUSER NOBYPASSRLS, member of {@code authenticated} and {@code service_role}, with a new
 * random password on every run. Names carry a random suffix, so the demo can run again and again on the
 * persistent embedded database; what it creates stays, as any clinic's data would.
 */
@Command(name = "demo", description = {"Show tenant isolation end to end: two clinics, a user of one reading the",
        "other's data and seeing nothing, a webhook delivered twice and processed once,",
        "and the audit trail. Migrates first if needed. Tenant work runs through a",
        "non-superuser login role (" + DemoCommand.LOGIN_ROLE + "), so row-level security applies."})
final class DemoCommand extends DatabaseCommand {

    /** The demo's login role, like Supabase's authenticator; cluster-wide, created or reset on each run. */
    static final String LOGIN_ROLE = "voxanne_demo_login";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ZONE = "America/New_York";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm VV", Locale.ROOT);

    @Override
    ExitCode run(Database database) throws SQLException {
        PrintWriter out = out();
        migrateIfNeeded(database, out);

        String run = HexFormat.of().formatHex(randomBytes(3));
        DataSource login = database.loginAs(LOGIN_ROLE, ensureLoginRole(database.dataSource));
        Voxanne voxanne = Voxanne.create(login); // refuses a superuser or BYPASSRLS login: none here
        say(out, "the DAO logs in as " + LOGIN_ROLE + " (NOSUPERUSER NOBYPASSRLS NOINHERIT): row-level security applies");

        // 1. Two clinics (backend work, service scope) and a user in each (as Supabase's sign-up would).
        Organization clinicA = voxanne.service().organizations().create("Clinic A " + run, ZONE);
        Organization clinicB = voxanne.service().organizations().create("Clinic B " + run, ZONE);
        say(out, "created clinic A '" + clinicA.name() + "' (" + clinicA.id() + ") and clinic B '" + clinicB.name()
                + "' (" + clinicB.id() + ") [service scope]");
        String emailA = "reception-a." + run + "@demo.voxanne.test";
        String emailB = "reception-b." + run + "@demo.voxanne.test";
        OrgContext userA = OrgContext.of(clinicA.id(), createUser(database.dataSource, clinicA.id(), emailA));
        OrgContext userB = OrgContext.of(clinicB.id(), createUser(database.dataSource, clinicB.id(), emailB));
        say(out, "created user " + emailA + " in clinic A and " + emailB + " in clinic B [auth.users, org_id in app_metadata]");
        Map<UUID, String> who = new HashMap<>(Map.of(userA.userId(), emailA, userB.userId(), emailB));

        // 2. Clinic A's user: contacts and an appointment, in one transaction.
        String annPhone = "+1 212 555 0100";
        ZonedDateTime tomorrowTen = ZonedDateTime.now(ZoneId.of(ZONE)).plusDays(1).with(LocalTime.of(10, 0));
        Appointment visit = voxanne.inOrg(userA, tx -> {
            Contact first = tx.contacts().create(NewContact.named("Ann Example").phone(annPhone).email("ann." + run + "@example.com"));
            tx.contacts().create(NewContact.named("Bob Example").phone("+1 212 555 0101"));
            Appointment booked = tx.appointments().book(first.id(), ServiceType.BOTOX, tomorrowTen.toOffsetDateTime(),
                    Duration.ofMinutes(30));
            return tx.appointments().changeStatus(booked.id(), AppointmentStatus.CONFIRMED);
        });
        List<Contact> contactsOfA = voxanne.contacts(userA).list(ContactQuery.all()).items();
        Contact ann = contactsOfA.stream().filter(c -> c.name().equals("Ann Example")).findFirst().orElseThrow();
        say(out, "clinic A's user created " + contactsOfA.size() + " contacts (Ann Example, Bob Example) and booked "
                + visit.serviceType().name().toLowerCase(Locale.ROOT) + " for Ann on "
                + visit.scheduledAt().atZoneSameInstant(ZoneId.of(ZONE)).format(WHEN) + ", "
                + visit.status().getLiteral());
        voxanne.contacts(userB).create(NewContact.named("Carol Example").phone("+1 415 555 0102"));
        say(out, "clinic B's user created 1 contact (Carol Example)");

        // 3. Clinic B's user tries to read clinic A's data.
        List<Contact> seenByB = voxanne.contacts(userB).list(ContactQuery.all()).items();
        long ofA = seenByB.stream().filter(c -> !c.organizationId().equals(clinicB.id())).count();
        say(out, "clinic B's user lists contacts: sees " + seenByB.size() + " (its own), " + ofA + " of clinic A's "
                + contactsOfA.size());
        boolean contactHidden = notFound(() -> voxanne.contacts(userB).get(ann.id()));
        say(out, "clinic B's user gets clinic A's contact " + ann.id() + " by id: " + seen(contactHidden));
        boolean visitHidden = notFound(() -> voxanne.appointments(userB).get(visit.id()));
        say(out, "clinic B's user gets clinic A's appointment " + visit.id() + " by id: " + seen(visitHidden));
        boolean phoneHidden = voxanne.contacts(userB).findByPhone(annPhone).isEmpty();
        say(out, "clinic B's user looks up Ann's phone number: " + seen(phoneHidden));
        if (ofA != 0 || !contactHidden || !visitHidden || !phoneHidden) {
            throw new CliException(ExitCode.FAILED, "clinic B's user saw clinic A's data: tenant isolation is broken on this database");
        }

        // 4. The same webhook event delivered twice to clinic A.
        String eventId = "call.ended:demo-" + run;
        AtomicInteger handled = new AtomicInteger();
        for (int delivery = 1; delivery <= 2; delivery++) {
            WebhookOutcome outcome = voxanne.service().webhooks().processOnce(clinicA.id(), eventId, "call.ended", tx -> {
                handled.incrementAndGet();
                tx.contacts().findByPhone(annPhone).ifPresent(c -> tx.contacts().recordContact(c.id(), OffsetDateTime.now()));
            });
            say(out, "webhook " + eventId + " delivery " + delivery + " to clinic A: " + outcome);
        }
        if (handled.get() != 1) {
            throw new CliException(ExitCode.FAILED, "the webhook handler ran " + handled.get() + " times, not once");
        }
        say(out, "webhook handler ran 1 time: processed once, duplicate once");

        // 5. Clinic A's audit trail, oldest first.
        List<AuditEvent> events = new ArrayList<>(voxanne.service().audit()
                .events(AuditQuery.organization(clinicA.id()).limit(AuditQuery.MAX_LIMIT)).items());
        Collections.reverse(events);
        say(out, "audit trail of clinic A: " + events.size() + " row(s) [service scope]");
        Table table = new Table("id", "table", "operation", "role", "login", "acting user");
        for (AuditEvent e : events) {
            String user = e.authenticatedUser() == null ? "(backend)"
                    : who.getOrDefault(e.authenticatedUser(), e.authenticatedUser().toString());
            table.row(e.id(), e.tableName(), e.operation(), e.databaseUser(), e.sessionUser(), user);
        }
        table.print(out);
        say(out, "done: clinic B saw 0 of clinic A's rows; run it again for two new clinics");
        return ExitCode.OK;
    }

    private void migrateIfNeeded(Database database, PrintWriter out) {
        MigrationResult result = schema(database, "applied").migrate();
        result.warnings().forEach(w -> err().println("voxanne: warning: " + w));
        if (result.applied().isEmpty()) {
            say(out, "database up to date at version " + result.currentVersion());
        } else {
            say(out, "migrated the database first: " + result.applied().size() + " migration(s) applied, to version "
                    + result.currentVersion());
        }
    }

    /**
     * As the connected admin: creates {@value #LOGIN_ROLE} if missing, (re)sets its attributes and a new
     * random password, and grants it the API roles. Returns the password.
     */
    private static String ensureLoginRole(DataSource admin) throws SQLException {
        String password = HexFormat.of().formatHex(randomBytes(24));
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // Roles are cluster-wide: serialise with another demo creating it at the same time.
            s.execute("select pg_advisory_xact_lock(hashtext('voxanne-cli-demo-login-role'))");
            s.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = '" + LOGIN_ROLE + "') then"
                    + " create role " + LOGIN_ROLE + " login noinherit; end if; end $$");
            s.execute("alter role " + LOGIN_ROLE + " with login noinherit nosuperuser nobypassrls nocreatedb nocreaterole"
                    + " password '" + password + "'");
            s.execute("grant authenticated, service_role to " + LOGIN_ROLE);
            c.commit();
        }
        return password;
    }

    /** A user of the clinic, as Supabase's sign-up leaves it (see {@link AuthUsers}). */
    private static UUID createUser(DataSource admin, UUID organizationId, String email) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = admin.getConnection()) {
            AuthUsers.create(c, id, email, organizationId);
        }
        return id;
    }

    /** Whether {@code read} reported "not found". */
    private static boolean notFound(Runnable read) {
        try {
            read.run();
            return false;
        } catch (NotFoundException e) {
            return true;
        }
    }

    private static String seen(boolean hidden) {
        return hidden ? "not found" : "FOUND (isolation broken)";
    }

    private static void say(PrintWriter out, String line) {
        out.println("demo: " + line);
        out.flush();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
