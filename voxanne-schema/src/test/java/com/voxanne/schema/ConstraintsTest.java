package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static com.voxanne.schema.SchemaTestSupport.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.UUID;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The constraints that hold whoever writes — a user of the organization or the service role, which
 * bypasses row-level security: composite foreign keys, immutable org_id, updated_at, unique phones per
 * organization, E.164 phones and no double booking. Each test makes clinics of its own, so tests share
 * the database without seeing each other's rows.
 */
class ConstraintsTest {

    /** Every table whose org_id is NOT NULL and references organizations (checked below against the catalog). */
    private static final String[] TENANT_TABLES = {"contacts", "appointments", "notifications", "processed_webhook_events"};
    private static final RequestClaims SERVICE = RequestClaims.service();

    private static TestDatabase db;

    /** An organization with one signed-in user. */
    private record Clinic(UUID org, UUID userId, RequestClaims user) {
    }

    @BeforeAll
    static void migrate() {
        db = SchemaTestSupport.migratedDatabase();
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    private static Clinic clinic(String name) throws SQLException {
        UUID org = SchemaTestSupport.organization(db, name);
        UUID user = SchemaTestSupport.user(db, org);
        return new Clinic(org, user, RequestClaims.user(org, user));
    }

    private static UUID insertReturningId(RequestClaims who, String sql, Object... params) throws SQLException {
        return UUID.fromString(column(db, who, sql + " returning id", params).get(0));
    }

    private static UUID contact(Clinic clinic, String phone) throws SQLException {
        return insertReturningId(clinic.user(), "insert into public.contacts (org_id, name, phone) values (?, 'Ann', ?)",
                clinic.org(), phone);
    }

    /** An appointment of {@code minutes} starting at {@code start} (a timestamptz literal). */
    private static UUID appointment(RequestClaims who, UUID org, UUID contact, String start, int minutes) throws SQLException {
        return insertReturningId(who, "insert into public.appointments (org_id, contact_id, service_type, scheduled_at,"
                + " duration_minutes) values (?, ?, 'consultation', ?::timestamptz, ?)", org, contact, start, minutes);
    }

    private static UUID appointment(Clinic clinic, UUID contact, String start, int minutes) throws SQLException {
        return appointment(clinic.user(), clinic.org(), contact, start, minutes);
    }

    /** One row of org {@code clinic} in {@code table}, created as the backend would. */
    private static UUID rowOf(String table, Clinic clinic) throws SQLException {
        return switch (table) {
            case "contacts" -> contact(clinic, null);
            case "appointments" -> appointment(clinic, contact(clinic, null), "2031-01-06 09:00+00", 30);
            case "notifications" -> UUID.fromString(column(db, SERVICE, "select public.create_notification(?, ?,"
                    + " 'system_alert'::public.notification_type, 'Title', 'Message')", clinic.org(), clinic.userId()).get(0));
            case "processed_webhook_events" -> insertReturningId(SERVICE, "insert into public.processed_webhook_events"
                    + " (org_id, event_id) values (?, ?)", clinic.org(), "evt-" + UUID.randomUUID());
            case "organizations" -> clinic.org();
            default -> throw new IllegalArgumentException(table);
        };
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, String sqlState) {
        return assertThatThrownBy(call).isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", sqlState);
    }

    // ---------------------------------------------------------------------------------------------
    // Composite foreign key
    // ---------------------------------------------------------------------------------------------

    @Test
    void anAppointmentCannotReferenceAContactOfAnotherOrganizationEvenForTheServiceRole() throws SQLException {
        Clinic a = clinic("Clinic A");
        Clinic b = clinic("Clinic B");
        UUID contactA = contact(a, "+15550100001");
        UUID contactB = contact(b, "+15550100002");

        // Foreign key checks ignore RLS: only the composite key (org_id, contact_id) stops these.
        assertRefused(() -> appointment(SERVICE, a.org(), contactB, "2031-01-06 10:00+00", 30), "23503")
                .hasMessageContaining("fk_appointments_contact");
        assertRefused(() -> appointment(a, contactB, "2031-01-06 10:00+00", 30), "23503")
                .hasMessageContaining("fk_appointments_contact");

        UUID appointmentA = appointment(a, contactA, "2031-01-06 10:00+00", 30);
        String moveToB = "update public.appointments set contact_id = ? where id = ?";
        assertRefused(() -> update(db, SERVICE, moveToB, contactB, appointmentA), "23503");
        assertRefused(() -> update(db, a.user(), moveToB, contactB, appointmentA), "23503");
        assertThat(adminColumn(db, "select contact_id::text from public.appointments where id = ?", appointmentA))
                .containsExactly(contactA.toString());
    }

    // ---------------------------------------------------------------------------------------------
    // org_id is immutable
    // ---------------------------------------------------------------------------------------------

    @Test
    void theTenantTablesAreExactlyTheTablesWithANotNullOrgIdReferencingOrganizations() throws SQLException {
        assertThat(adminColumn(db, "select c.conrelid::regclass::text from pg_constraint c"
                + " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)"
                + " where c.contype = 'f' and c.confrelid = 'public.organizations'::regclass"
                + " and a.attname = 'org_id' and a.attnotnull"))
                .containsExactlyInAnyOrder("contacts", "appointments", "notifications", "processed_webhook_events")
                .hasSameSizeAs(TENANT_TABLES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"contacts", "appointments", "notifications", "processed_webhook_events"})
    void orgIdCannotChangeNotEvenThroughNullNotEvenForTheServiceRole(String table) throws SQLException {
        Clinic a = clinic("Clinic A");
        Clinic b = clinic("Clinic B");
        UUID row = rowOf(table, a);
        String move = "update public." + table + " set org_id = ? where id = ?";

        assertRefused(() -> update(db, SERVICE, move, b.org(), row), "VX002").hasMessageContaining("org_id is immutable");
        // VX002 (the trigger), not 23502 (NOT NULL): the trigger itself refuses A -> NULL
        assertRefused(() -> update(db, SERVICE, move, null, row), "VX002").hasMessageContaining("org_id is immutable");
        // users do not even hold the UPDATE privilege on the column
        assertRefused(() -> update(db, a.user(), move, b.org(), row), "42501");
        assertRefused(() -> update(db, a.user(), move, null, row), "42501");

        assertThat(adminColumn(db, "select org_id::text from public." + table + " where id = ?", row))
                .containsExactly(a.org().toString());
    }

    // ---------------------------------------------------------------------------------------------
    // updated_at
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"organizations", "contacts", "appointments", "notifications", "processed_webhook_events"})
    void updatedAtIsSetByTheDatabaseAndCannotBeWoundBack(String table) throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID row = rowOf(table, a);
        String created = adminColumn(db, "select updated_at::text from public." + table + " where id = ?", row).get(0);

        // The service role may write the column, but the trigger overrides it with the transaction time.
        assertThat(column(db, SERVICE, "update public." + table + " set updated_at = '2000-01-01 00:00+00' where id = ?"
                + " returning (updated_at = now())::text || ' ' || (updated_at > ?::timestamptz)::text", row, created))
                .containsExactly("true true");
        // Users may not write it at all (no column privilege).
        assertRefused(() -> update(db, a.user(), "update public." + table + " set updated_at = '2000-01-01 00:00+00'"
                + " where id = ?", row), "42501");
    }

    @Test
    void updatedAtFollowsAUsersChange() throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID contact = contact(a, "+15550100003");
        String before = adminColumn(db, "select updated_at::text from public.contacts where id = ?", contact).get(0);

        assertThat(column(db, a.user(), "update public.contacts set name = 'Anna' where id = ?"
                + " returning (updated_at = now() and updated_at > ?::timestamptz and created_at < updated_at)::text",
                contact, before)).containsExactly("true");
    }

    // ---------------------------------------------------------------------------------------------
    // Phones: unique per organization, E.164
    // ---------------------------------------------------------------------------------------------

    @Test
    void aPhoneIsUniqueWithinAnOrganizationOnly() throws SQLException {
        Clinic a = clinic("Clinic A");
        Clinic b = clinic("Clinic B");
        contact(a, "+15550100010");

        assertRefused(() -> contact(a, "+15550100010"), "23505").hasMessageContaining("uq_contacts_org_phone");
        assertRefused(() -> update(db, SERVICE, "insert into public.contacts (org_id, name, phone) values (?, 'Bob',"
                + " '+15550100010')", a.org()), "23505").hasMessageContaining("uq_contacts_org_phone");
        UUID other = contact(a, "+15550100011");
        assertRefused(() -> update(db, a.user(), "update public.contacts set phone = '+15550100010' where id = ?", other),
                "23505").hasMessageContaining("uq_contacts_org_phone");

        contact(b, "+15550100010");
        assertThat(adminColumn(db, "select count(*)::text from public.contacts where phone = '+15550100010'"))
                .containsExactly("2");
    }

    @Test
    void contactsWithoutPhoneAreNotDuplicatesOfEachOther() throws SQLException {
        Clinic a = clinic("Clinic A");
        contact(a, null);
        contact(a, null);
        assertThat(column(db, a.user(), "select count(*)::text from public.contacts where org_id = ? and phone is null",
                a.org())).containsExactly("2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "15550100123", "+05550100123", "+1 555 010 0123", "+1-555-010-0123", "+123456",
        "+1234567890123456", "+1555010012x", "++15550100123", "+15550100123\n", "(555) 010-0123"})
    void aPhoneThatIsNotE164IsRefused(String phone) throws SQLException {
        Clinic a = clinic("Clinic A");
        assertRefused(() -> contact(a, phone), "23514").hasMessageContaining("ck_contacts_phone_e164");
    }

    @ParameterizedTest
    @ValueSource(strings = {"+1234567", "+123456789012345", "+447911123456", "+15550100123"})
    void anE164PhoneFromSevenToFifteenDigitsIsAccepted(String phone) throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID id = contact(a, phone);
        assertThat(adminColumn(db, "select phone from public.contacts where id = ?", id)).containsExactly(phone);
    }

    // ---------------------------------------------------------------------------------------------
    // No double booking
    // ---------------------------------------------------------------------------------------------

    @Test
    void overlappingActiveAppointmentsOfOneOrganizationAreRefused() throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID ann = contact(a, "+15550100020");
        UUID bob = contact(a, "+15550100021");
        appointment(a, ann, "2031-02-03 10:00+00", 30);

        // overlapping start, inside, enclosing, identical; another contact of the same clinic too
        for (String[] slot : new String[][] {{"2031-02-03 10:15+00", "30"}, {"2031-02-03 10:05+00", "10"},
            {"2031-02-03 09:00+00", "180"}, {"2031-02-03 10:00+00", "30"}, {"2031-02-03 09:45+00", "16"}}) {
            assertRefused(() -> appointment(a, bob, slot[0], Integer.parseInt(slot[1])), "23P01")
                    .as("%s for %s minutes", slot[0], slot[1])
                    .hasMessageContaining("excl_appointments_no_double_booking");
        }
        // the service role is held to it as well
        assertRefused(() -> appointment(SERVICE, a.org(), bob, "2031-02-03 10:20+00", 30), "23P01");
        // and so is moving an appointment onto a taken slot
        UUID later = appointment(a, bob, "2031-02-03 14:00+00", 30);
        assertRefused(() -> update(db, a.user(), "update public.appointments set scheduled_at = '2031-02-03 10:10+00'"
                + " where id = ?", later), "23P01");
    }

    @Test
    void backToBackAppointmentsAreAccepted() throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID ann = contact(a, "+15550100030");
        appointment(a, ann, "2031-02-04 10:00+00", 30);
        appointment(a, ann, "2031-02-04 10:30+00", 30);
        appointment(a, ann, "2031-02-04 09:30+00", 30);
        assertThat(column(db, a.user(), "select count(*)::text from public.appointments where org_id = ?", a.org()))
                .containsExactly("3");
    }

    @Test
    void twoOrganizationsMayBookTheSameTime() throws SQLException {
        Clinic a = clinic("Clinic A");
        Clinic b = clinic("Clinic B");
        appointment(a, contact(a, "+15550100040"), "2031-02-05 10:00+00", 60);
        appointment(b, contact(b, "+15550100040"), "2031-02-05 10:00+00", 60);
        assertThat(column(db, SERVICE, "select count(*)::text from public.appointments where org_id in (?, ?)",
                a.org(), b.org())).containsExactly("2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"status = 'cancelled'", "status = 'no_show'", "deleted_at = now()"})
    void aCancelledNoShowOrSoftDeletedAppointmentDoesNotBlockItsSlot(String release) throws SQLException {
        Clinic a = clinic("Clinic A");
        UUID ann = contact(a, "+15550100050");
        UUID first = appointment(a, ann, "2031-02-06 10:00+00", 30);
        assertThat(update(db, a.user(), "update public.appointments set " + release + " where id = ?", first)).isOne();

        appointment(a, ann, "2031-02-06 10:00+00", 30);

        // bringing the released one back would double-book: refused
        String restore = "update public.appointments set status = 'confirmed', deleted_at = null where id = ?";
        assertRefused(() -> update(db, a.user(), restore, first), "23P01")
                .hasMessageContaining("excl_appointments_no_double_booking");
    }
}
