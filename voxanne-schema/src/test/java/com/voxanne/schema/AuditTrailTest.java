package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.as;
import static com.voxanne.schema.SchemaTestSupport.column;
import static com.voxanne.schema.SchemaTestSupport.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit trail: written by triggers with the acting user and organization, append-only for every API
 * role, readable and maintainable by the service role only, and pruned only of old rows already exported.
 */
class AuditTrailTest {

    private static final RequestClaims SERVICE = RequestClaims.service();
    private static final RequestClaims ANON = RequestClaims.anonymous();

    private static TestDatabase db;
    private static UUID orgA;
    private static UUID alice;
    private static RequestClaims userA;

    @BeforeAll
    static void oneClinic() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        orgA = SchemaTestSupport.organization(db, "Clinic A");
        alice = SchemaTestSupport.user(db, orgA);
        userA = RequestClaims.user(orgA, alice);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, String sqlState) {
        return assertThatThrownBy(call).isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", sqlState);
    }

    /** The audit rows of one row of a table, oldest first, as "operation user org claims-org role table". */
    private static List<String> trailOf(String table, UUID row) throws SQLException {
        return adminColumn(db, "select concat_ws(' ', operation, coalesce(authenticated_user::text, '-'), org_id,"
                + " coalesce(claims_org_id::text, '-'), database_user, schema_name || '.' || table_name)"
                + " from public.audit_logs where table_name = ? and row_data ->> 'id' = ? order by id", table, row.toString());
    }

    private static UUID insertContact(RequestClaims who, String name) throws SQLException {
        return UUID.fromString(column(db, who, "insert into public.contacts (org_id, name) values (?, ?) returning id",
                orgA, name).get(0));
    }

    private static String auditCount() throws SQLException {
        return adminColumn(db, "select count(*)::text from public.audit_logs").get(0);
    }

    // ---------------------------------------------------------------------------------------------
    // Written by the triggers
    // ---------------------------------------------------------------------------------------------

    @Test
    void insertUpdateAndDeleteAreRecordedWithTheActingUserAndOrganization() throws SQLException {
        UUID contact = insertContact(userA, "Ann");
        update(db, userA, "update public.contacts set name = 'Anna' where id = ?", contact);
        update(db, userA, "delete from public.contacts where id = ?", contact);

        String by = " " + alice + " " + orgA + " " + orgA + " authenticated public.contacts";
        assertThat(trailOf("contacts", contact)).containsExactly("INSERT" + by, "UPDATE" + by, "DELETE" + by);
        assertThat(adminColumn(db, "select concat_ws(' ', operation, old_data ->> 'name', row_data ->> 'name',"
                + " session_user_name, (statement_text ilike '%public.contacts%')::text) from public.audit_logs"
                + " where table_name = 'contacts' and row_data ->> 'id' = ? order by id", contact.toString()))
                .containsExactly("INSERT Ann " + db.server().loginRole() + " true",
                        "UPDATE Ann Anna " + db.server().loginRole() + " true",
                        "DELETE Anna " + db.server().loginRole() + " true");
    }

    @Test
    void aLongStatementIsRecordedByItsFirst2048Characters() throws SQLException {
        // a multi-row insert's text grows with its rows, and every row's audit entry would repeat it
        String tag = "long-statement-" + UUID.randomUUID();
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            values.append(i == 0 ? "" : ", ").append("(?::uuid, '").append(tag).append("')");
        }
        Object[] orgs = new Object[200];
        java.util.Arrays.fill(orgs, orgA);
        String sql = "insert into public.contacts (org_id, name) values " + values;
        assertThat(sql.length()).isGreaterThan(2048);

        assertThat(update(db, userA, sql, orgs)).isEqualTo(200);

        assertThat(adminColumn(db, "select concat_ws(' ', count(*), min(length(statement_text)), max(length(statement_text)),"
                + " bool_and(statement_text like 'insert into public.contacts (org_id, name) values ($1::uuid, %'))"
                + " from public.audit_logs where table_name = 'contacts' and row_data ->> 'name' = ?", tag))
                .containsExactly("200 2048 2048 t");
    }

    @Test
    void aStatementOfSeveralRowsRecordsEachRowWithItsOwnOldAndNewValues() throws SQLException {
        // one insert per statement (V17): the rows must still each get their own entry, an update's old and
        // new values paired by id whatever order the transition tables hold them in
        String tag = "several-" + UUID.randomUUID();
        List<String> ids = column(db, userA, "insert into public.contacts (org_id, name, notes)"
                + " select ?, ?, 'note ' || g from generate_series(1, 5) g returning id", orgA, tag);
        assertThat(update(db, userA, "update public.contacts set notes = notes || ' changed' where name = ?", tag)).isEqualTo(5);
        assertThat(update(db, userA, "delete from public.contacts where name = ?", tag)).isEqualTo(5);

        for (String id : ids) {
            List<String> trail = adminColumn(db, "select concat_ws(' ', operation, coalesce(old_data ->> 'notes', '-'),"
                    + " coalesce(row_data ->> 'notes', '-'), authenticated_user, org_id)"
                    + " from public.audit_logs where table_name = 'contacts' and row_data ->> 'id' = ? order by id", id);
            String note = adminColumn(db, "select old_data ->> 'notes' from public.audit_logs where operation = 'UPDATE'"
                    + " and row_data ->> 'id' = ?", id).get(0);
            assertThat(trail).containsExactly("INSERT - " + note + " " + alice + " " + orgA,
                    "UPDATE " + note + " " + note + " changed " + alice + " " + orgA,
                    "DELETE - " + note + " changed " + alice + " " + orgA);
        }
    }

    @Test
    void aStatementThatChangesNoRowWritesNothingAndIsNotRefused() throws SQLException {
        String before = auditCount();
        // the statement triggers fire for every statement, also one that touches nothing
        assertThat(update(db, userA, "update public.contacts set notes = 'x' where name = 'nobody by this name'")).isZero();
        assertThat(withoutUser("delete from public.contacts where name = 'nobody by this name'")).isZero();
        assertThat(withoutUser("update public.contacts set notes = 'x' where name = 'nobody by this name'")).isZero();
        assertThat(auditCount()).isEqualTo(before);
        // control: with a row to change, the same session without a user is refused, for each operation
        insertContact(userA, "Flo");
        assertRefused(() -> withoutUser("update public.contacts set notes = 'x' where name = 'Flo'"), "42501")
                .hasMessageContaining("needs the acting user");
        assertRefused(() -> withoutUser("delete from public.contacts where name = 'Flo'"), "42501");
        assertRefused(() -> withoutUser("insert into public.contacts (org_id, name) values ('" + orgA + "', 'Gus')"), "42501");
    }

    /** Runs {@code sql} as authenticated of clinic A with claims that name no user (no sub). */
    private static int withoutUser(String sql) throws SQLException {
        return as(db, userA, c -> {
            try (var s = c.prepareStatement("select set_config('request.jwt.claims', ?, true)")) {
                s.setString(1, "{\"role\": \"authenticated\", \"app_metadata\": {\"org_id\": \"" + orgA + "\"}}");
                s.execute();
            }
            try (var s = c.createStatement()) {
                return s.executeUpdate(sql);
            }
        });
    }

    @Test
    void theServiceRoleActingForNobodyIsRecordedWithoutUser() throws SQLException {
        UUID contact = insertContact(RequestClaims.service(orgA), "Ben");
        assertThat(trailOf("contacts", contact)).containsExactly("INSERT - " + orgA + " " + orgA + " service_role public.contacts");
    }

    @Test
    void twoEventsOfOneOrganizationInOneTransactionAreBothRecorded() throws SQLException {
        List<UUID> contacts = as(db, userA, c -> List.of(
                UUID.fromString(column(c, "insert into public.contacts (org_id, name) values (?, 'Cy') returning id", orgA).get(0)),
                UUID.fromString(column(c, "insert into public.contacts (org_id, name) values (?, 'Di') returning id", orgA).get(0))));

        assertThat(adminColumn(db, "select count(distinct event_time)::text || ' of ' || count(*) from public.audit_logs"
                + " where org_id = ? and row_data ->> 'id' in (?, ?)", orgA, contacts.get(0).toString(),
                contacts.get(1).toString())).containsExactly("2 of 2");
        assertThat(adminColumn(db, "select indexrelid::regclass::text from pg_index"
                + " where indrelid = 'public.audit_logs'::regclass and indisunique")).containsExactly("audit_logs_pkey");
    }

    // ---------------------------------------------------------------------------------------------
    // Append-only
    // ---------------------------------------------------------------------------------------------

    static Stream<Arguments> tampering() {
        List<String> statements = List.of(
                "update public.audit_logs set authenticated_user = null",
                "delete from public.audit_logs",
                "truncate public.audit_logs",
                "insert into public.audit_logs (event_type, operation, org_id) values ('WRITE', 'INSERT', null)");
        return Stream.of("anon", "authenticated", "service_role")
                .flatMap(role -> statements.stream().map(sql -> arguments(role, sql)));
    }

    private static RequestClaims actingAs(String role) {
        return switch (role) {
            case "anon" -> ANON;
            case "authenticated" -> userA;
            default -> SERVICE;
        };
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("tampering")
    void noApiRoleCanWriteTheTrail(String role, String sql) throws SQLException {
        insertContact(userA, "Eve");
        String before = auditCount();
        assertRefused(() -> update(db, actingAs(role), sql), "42501").hasMessageContaining("permission denied");
        assertThat(auditCount()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anon", "authenticated", "service_role"})
    void theArchiveFlagIsNoKeyToDelete(String role) throws SQLException {
        // archive_old_audit_logs() sets voxanne.audit_archive; any session may set it too, and gains nothing
        insertContact(userA, "Eve");
        String before = auditCount();
        assertRefused(() -> as(db, actingAs(role), c -> {
            column(c, "select set_config('voxanne.audit_archive', 'on', true)");
            return column(c, "delete from public.audit_logs returning id");
        }), "42501");
        assertThat(auditCount()).isEqualTo(before);
    }

    @Test
    void evenTheOwnerCannotRewriteOrEmptyTheTrail() throws SQLException {
        // The owner (the migrating role) bypasses privileges; the append-only triggers are what stop it.
        insertContact(userA, "Fay");
        String before = auditCount();
        for (String sql : new String[] {"update public.audit_logs set authenticated_user = null",
            "delete from public.audit_logs", "truncate public.audit_logs"}) {
            assertRefused(() -> admin(db, sql), "42501").as(sql).hasMessageContaining("append-only");
        }
        assertThat(auditCount()).isEqualTo(before);
    }

    @Test
    void onlyTheServiceRoleReadsTheTrail() throws SQLException {
        assertRefused(() -> column(db, userA, "select id from public.audit_logs"), "42501");
        assertRefused(() -> column(db, ANON, "select id from public.audit_logs"), "42501");
        insertContact(userA, "Gus");
        assertThat(column(db, SERVICE, "select count(*) > 0 from public.audit_logs")).containsExactly("t");
    }

    // ---------------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------------

    @Test
    void logAuditEventTakesTheActingUserFromTheClaimsNeverFromAParameter() throws SQLException {
        assertThat(adminColumn(db, "select unnest(proargnames) from pg_proc"
                + " where oid = 'public.log_audit_event(uuid, text, text, text, jsonb, text)'::regprocedure"))
                .containsExactly("p_org_id", "p_event_type", "p_operation", "p_table_name", "p_row_data", "p_statement_text");

        UUID someoneElse = UUID.randomUUID();
        String log = "select public.log_audit_event(?, 'access_denied', 'select', 'contacts',"
                + " jsonb_build_object('authenticated_user', ?::text))::text";
        // the backend acting for alice: service_role with alice's sub in the claims
        String id = as(db, SERVICE, c -> {
            column(c, "select set_config('request.jwt.claims', ?, true)",
                    "{\"sub\":\"" + alice + "\",\"role\":\"service_role\"}");
            return column(c, log, orgA, someoneElse).get(0);
        });
        assertThat(adminColumn(db, "select concat_ws(' ', event_type, operation, schema_name || '.' || table_name,"
                + " authenticated_user, org_id, database_user) from public.audit_logs where id = ?::bigint", id))
                .containsExactly("ACCESS_DENIED SELECT public.contacts " + alice + " " + orgA + " service_role");

        String anonymousId = column(db, SERVICE, log, orgA, someoneElse).get(0);
        assertThat(adminColumn(db, "select coalesce(authenticated_user::text, 'none') from public.audit_logs where id = ?::bigint",
                anonymousId)).containsExactly("none");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "select public.log_audit_event(?, 'READ', 'SELECT', 'contacts')",
        "select count(*) from public.get_org_audit_logs(?, null, null)",
        "select count(*) from public.detect_suspicious_activity(?, '1 hour', 1)",
        "select public.archive_old_audit_logs(1, 9223372036854775807) where ?::uuid is not null"})
    void theAuditFunctionsAreForTheServiceRoleOnly(String call) throws SQLException {
        String before = auditCount();
        assertRefused(() -> column(db, userA, call, orgA), "42501").hasMessageContaining("permission denied for function");
        assertRefused(() -> column(db, ANON, call, orgA), "42501").hasMessageContaining("permission denied for function");
        assertThat(auditCount()).isEqualTo(before);
    }

    @Test
    void theServiceRoleReadsOneOrganizationsTrailAndItsSuspiciousActivity() throws SQLException {
        UUID orgB = SchemaTestSupport.organization(db, "Clinic B");
        insertContact(userA, "Hal");
        admin(db, "insert into public.contacts (org_id, name) values (?, 'Ivy')", orgB);

        assertThat(column(db, SERVICE, "select distinct org_id::text from public.get_org_audit_logs(?, null, null)", orgA))
                .containsExactly(orgA.toString());
        assertThat(column(db, SERVICE, "select activity || ' ' || authenticated_user"
                + " from public.detect_suspicious_activity(?, '1 hour', 1) where activity = 'high_volume'", orgA))
                .contains("high_volume " + alice);
    }

    /**
     * Detection for one organization reads its own events and the events of other organizations done
     * with its claims (V18 reads each through an index of its own): nothing of another organization done
     * with that organization's own claims, nothing outside the window; for no organization, everything in
     * the window.
     */
    @Test
    void detectionForOneOrganizationSeesItsEventsAndWhatWasDoneElsewhereWithItsClaims() throws SQLException {
        UUID orgC = SchemaTestSupport.organization(db, "Clinic C");
        UUID orgD = SchemaTestSupport.organization(db, "Clinic D");
        UUID own = UUID.randomUUID();
        UUID elsewhereWithClaimsOfC = UUID.randomUUID();
        UUID dOnItsOwn = UUID.randomUUID();
        UUID noOrganizationWithClaimsOfC = UUID.randomUUID();
        UUID tooLongAgo = UUID.randomUUID();
        String insert = "insert into public.audit_logs (event_type, operation, table_name, authenticated_user, org_id,"
                + " claims_org_id, event_time) values ('WRITE', 'UPDATE', 'contacts', ?, ?, ?, clock_timestamp() - ?::interval)";
        admin(db, insert, own, orgC, orgC, "1 minute");
        admin(db, insert, elsewhereWithClaimsOfC, orgD, orgC, "1 minute");
        admin(db, insert, dOnItsOwn, orgD, orgD, "1 minute");
        admin(db, insert, noOrganizationWithClaimsOfC, null, orgC, "1 minute");
        admin(db, insert, tooLongAgo, orgC, orgC, "2 hours");
        String ours = Stream.of(own, elsewhereWithClaimsOfC, dOnItsOwn, noOrganizationWithClaimsOfC, tooLongAgo)
                .map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
        String detect = "select activity || ' ' || coalesce(org_id::text, '-') || ' ' || authenticated_user"
                + " from public.detect_suspicious_activity(?, '1 hour', 1)"
                + " where authenticated_user = any(?::uuid[]) and activity in ('high_volume', 'cross_org_access')";

        assertThat(column(db, SERVICE, detect, orgC, ours)).containsExactlyInAnyOrder(
                "high_volume " + orgC + " " + own,
                "high_volume " + orgD + " " + elsewhereWithClaimsOfC,
                "cross_org_access " + orgD + " " + elsewhereWithClaimsOfC,
                "high_volume - " + noOrganizationWithClaimsOfC,
                "cross_org_access - " + noOrganizationWithClaimsOfC);
        assertThat(column(db, SERVICE, detect, orgD, ours)).containsExactlyInAnyOrder(
                "high_volume " + orgD + " " + elsewhereWithClaimsOfC,
                "cross_org_access " + orgD + " " + elsewhereWithClaimsOfC,
                "high_volume " + orgD + " " + dOnItsOwn);
        assertThat(column(db, SERVICE, detect.replace("activity(?,", "activity(?::uuid,"), null, ours))
                .containsExactlyInAnyOrder(
                        "high_volume " + orgC + " " + own,
                        "high_volume " + orgD + " " + elsewhereWithClaimsOfC,
                        "cross_org_access " + orgD + " " + elsewhereWithClaimsOfC,
                        "high_volume " + orgD + " " + dOnItsOwn,
                        "high_volume - " + noOrganizationWithClaimsOfC,
                        "cross_org_access - " + noOrganizationWithClaimsOfC);
    }

    @Test
    void archivingDeletesOnlyRowsOlderThanTheRetentionAndAlreadyExported() throws SQLException {
        String insertAged = "insert into public.audit_logs (event_type, operation, org_id, event_time)"
                + " values ('READ', 'SELECT', ?, now() - ?::interval) returning id::text";
        String recent = adminColumn(db, insertAged, orgA, "1 day").get(0);
        String old1 = adminColumn(db, insertAged, orgA, "100 days").get(0);
        String old2 = adminColumn(db, insertAged, orgA, "120 days").get(0);
        String oldNotExported = adminColumn(db, insertAged, orgA, "100 days").get(0);
        String present = "select string_agg(id::text, ',' order by id) from public.audit_logs where id = any (?::bigint[])";
        String ours = "{" + String.join(",", recent, old1, old2, oldNotExported) + "}";

        assertRefused(() -> column(db, SERVICE, "select public.archive_old_audit_logs(0, ?)", Long.valueOf(old2)), "22023");
        assertRefused(() -> column(db, SERVICE, "select public.archive_old_audit_logs(90, null)"), "22023");

        assertThat(column(db, SERVICE, "select public.archive_old_audit_logs(90, ?)::text", Long.valueOf(old2)))
                .containsExactly("2");
        assertThat(adminColumn(db, present, ours)).containsExactly(recent + "," + oldNotExported);
        assertThat(adminColumn(db, "select row_data ->> 'deleted' from public.audit_logs"
                + " where event_type = 'MAINTENANCE' and operation = 'ARCHIVE' order by id desc limit 1")).containsExactly("2");

        assertThat(column(db, SERVICE, "select public.archive_old_audit_logs(90, ?)::text", Long.valueOf(oldNotExported)))
                .containsExactly("1");
        assertThat(adminColumn(db, present, ours)).containsExactly(recent);
    }
}
