package com.voxanne.security;

import static com.voxanne.security.FunctionAttackSupport.MARKER;
import static com.voxanne.security.FunctionAttackSupport.execute;
import static com.voxanne.security.FunctionAttackSupport.functionOwner;
import static com.voxanne.security.FunctionAttackSupport.grantTemporaryBack;
import static com.voxanne.security.FunctionAttackSupport.hits;
import static com.voxanne.security.FunctionAttackSupport.inSession;
import static com.voxanne.security.FunctionAttackSupport.loot;
import static com.voxanne.security.FunctionAttackSupport.plantPayload;
import static com.voxanne.security.FunctionAttackSupport.rebind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.security.FunctionAttackSupport.BothVersions;
import com.voxanne.security.FunctionAttackSupport.Clinic;
import com.voxanne.security.ShadowAttacks.Attack;
import com.voxanne.security.ShadowTargets.Target;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An API role's session plants objects in its temporary schema named like the built-in types and the
 * relations our functions use (domains, composite types with casts, operators, tables, views), each
 * calling a payload that raises or records {@code current_user}; then it calls every SECURITY DEFINER
 * function, fires every trigger function with a write, and reads through the policies. On a schema
 * whose functions say {@code search_path = ''} the temporary schema is searched first for types, and
 * the payload runs as the functions' owner (shown on V13 below); with {@code pg_catalog, pg_temp} it
 * must never run, and every call must return what it returns without the attack objects.
 *
 * <p>The database of the latest schema has TEMPORARY granted back to the API roles (as a database whose
 * ACL was lost would), so that these tests prove the functions' own defence, not the revoke; a separate
 * test shows the revoke on a database as migrated.
 */
class TemporaryShadowingAttackTest {

    private static BothVersions databases;
    private static TestDatabase latest;
    private static Clinic latestClinic;
    private static TestDatabase v13;
    private static Clinic v13Clinic;

    @BeforeAll
    static void databases() throws SQLException {
        databases = BothVersions.open();
        latest = databases.latest;
        latestClinic = databases.latestClinic;
        v13 = databases.v13;
        v13Clinic = databases.v13Clinic;
        for (TestDatabase db : List.of(latest, v13)) {
            try (Connection admin = db.adminDataSource().getConnection()) {
                ShadowTargets.createServiceTable(admin);
            }
        }
    }

    @AfterAll
    static void drop() {
        if (databases != null) {
            databases.close();
        }
    }

    /** What one call did in the attacker's session. */
    record Outcome(String result, long hits, List<String> loot) {
    }

    /**
     * In a new session of {@code target}'s actor: plants the payload (raising or recording) and {@code
     * attack} (none for the control), makes the call, and reads what the payload saw. The call's SQL error
     * becomes the result {@code ERROR <sqlstate>} (with the message when it names the marker).
     */
    static Outcome attack(TestDatabase db, Clinic clinic, Target target, Attack attack, boolean raise) throws SQLException {
        return inSession(db, target.actor().apply(clinic), c -> {
            plantPayload(c, raise);
            if (attack != null) {
                attack.plant(c);
            }
            String result;
            execute(c, "savepoint voxanne_call");
            try {
                result = target.call().run(c, clinic);
            } catch (SQLException e) {
                execute(c, "rollback to savepoint voxanne_call");
                String message = String.valueOf(e.getMessage());
                result = "ERROR " + e.getSQLState() + (message.contains(MARKER) ? " " + message : "");
            }
            rebind(c, target.actor().apply(clinic));
            return new Outcome(result, hits(c), loot(c));
        });
    }

    static Stream<Target> targets() {
        return ShadowTargets.all().stream();
    }

    static Stream<Arguments> attacksOnTargets() {
        return ShadowAttacks.all().stream().flatMap(a -> targets().map(t -> Arguments.of(a, t)));
    }

    static Stream<Arguments> combinedAttacksOnTargets() {
        return ShadowAttacks.combined().stream().flatMap(a -> targets().map(t -> Arguments.of(a, t)));
    }

    /** The control: the payload planted (so the harness is the same) but no attack object; the right result. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void withoutAttackObjectsEveryCallReturnsTheRightResult(Target target) throws SQLException {
        Outcome outcome = attack(latest, latestClinic, target, null, true);
        assertThat(outcome.result()).isEqualTo(target.expected().of(latestClinic));
        assertThat(outcome.hits()).isZero();
    }

    /** Each attack object alone, with the recording payload: nothing recorded, the same result as the control. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("attacksOnTargets")
    void temporaryObjectsNeverCaptureANameOfOurFunctions(Attack attack, Target target) throws SQLException {
        Outcome outcome = attack(latest, latestClinic, target, attack, false);
        assertThat(outcome.loot()).as("what the payload recorded").isEmpty();
        assertThat(outcome.hits()).as("payload runs").isZero();
        assertThat(outcome.result()).isEqualTo(target.expected().of(latestClinic));
    }

    /** Everything at once, with the payload that raises: no marker, the same result as the control. */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("combinedAttacksOnTargets")
    void theRaisingPayloadNeverRuns(Attack attack, Target target) throws SQLException {
        Outcome outcome = attack(latest, latestClinic, target, attack, true);
        assertThat(outcome.result()).doesNotContain(MARKER).isEqualTo(target.expected().of(latestClinic));
        assertThat(outcome.hits()).as("payload runs").isZero();
    }

    private static Target target(String prefix) {
        return targets().filter(t -> t.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    private static Attack domainOverUuid() {
        return new Attack("domain uuid", ShadowAttacks.domain("uuid"));
    }

    /**
     * The attack is real: on V13 a domain {@code pg_temp.uuid} makes search_contact_ids (which declares
     * {@code v_org uuid}) run the payload as the owner, a superuser, and the recording payload does so
     * without changing the result, so that the caller notices nothing.
     */
    @Test
    void onV13ADomainOverUuidRunsThePayloadAsTheOwnerThroughSearchContactIds() throws SQLException {
        String owner = functionOwner(v13);
        Target search = target("search_contact_ids by name");

        Outcome raised = attack(v13, v13Clinic, search, domainOverUuid(), true);
        assertThat(raised.result()).contains(MARKER + " as " + owner + " via domain uuid");

        Outcome recorded = attack(v13, v13Clinic, search, domainOverUuid(), false);
        assertThat(recorded.loot()).contains(owner + " via domain uuid");
        assertThat(recorded.result()).isEqualTo(search.expected().of(v13Clinic));
    }

    /** The same on V13 through the audit trigger, which casts {@code (v_row ->> 'org_id')::uuid} on every write. */
    @Test
    void onV13ADomainOverUuidRunsThePayloadAsTheOwnerThroughTheAuditTrigger() throws SQLException {
        String owner = functionOwner(v13);
        Target insert = target("insert contact");

        Outcome raised = attack(v13, v13Clinic, insert, domainOverUuid(), true);
        assertThat(raised.result()).contains(MARKER + " as " + owner + " via domain uuid");

        Outcome recorded = attack(v13, v13Clinic, insert, domainOverUuid(), false);
        assertThat(recorded.loot()).contains(owner + " via domain uuid");
    }

    /** The two attacks above, on the latest schema (TEMPORARY granted back): the payload never runs. */
    @Test
    void onTheLatestSchemaTheSameAttacksRunNothing() throws SQLException {
        for (String prefix : new String[] {"search_contact_ids by name", "insert contact"}) {
            Target target = target(prefix);
            Outcome raised = attack(latest, latestClinic, target, domainOverUuid(), true);
            assertThat(raised.result()).as(prefix).isEqualTo(target.expected().of(latestClinic));
            Outcome recorded = attack(latest, latestClinic, target, domainOverUuid(), false);
            assertThat(recorded.loot()).as(prefix).isEmpty();
            assertThat(recorded.hits()).as(prefix).isZero();
        }
    }

    /**
     * Every function of ours (schema public, and the auth shim where V2 created it; extension members
     * aside) either has a SQL-standard body, bound when created, or runs with {@code search_path =
     * pg_catalog, pg_temp}; and every SECURITY DEFINER or trigger function is called by a target above,
     * so that a new one cannot escape this suite unnoticed.
     */
    @Test
    void everyFunctionOfOursBindsItsNamesBeforePgTempAndIsAttackedAbove() throws SQLException {
        List<String> functions;
        try (var c = latest.adminDataSource().getConnection()) {
            functions = FunctionAttackSupport.column(c, "select pg_catalog.concat_ws(' ', p.proname,"
                    + " case when p.prosqlbody is not null then 'standard' else 'string' end,"
                    + " case when p.prosecdef then 'definer' else 'invoker' end,"
                    + " case when p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype then 'trigger' else 'function' end,"
                    + " '[' || pg_catalog.array_to_string(p.proconfig, ';') || ']')"
                    + " from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
                    + " join pg_catalog.pg_language l on l.oid = p.prolang"
                    + " where (n.nspname = 'public' or (n.nspname = 'auth'"
                    + "        and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%'))"
                    + "   and l.lanname in ('sql', 'plpgsql')"
                    + "   and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass"
                    + "                    and d.objid = p.oid and d.deptype = 'e')"
                    + " order by 1");
        }
        assertThat(functions).as("functions of ours").hasSizeGreaterThan(15);
        List<String> targetNames = targets().map(Target::name).toList();
        for (String f : functions) {
            String[] parts = f.split(" ", 5);
            String name = parts[0];
            if (parts[1].equals("string")) {
                assertThat(f).as(name).contains("search_path=pg_catalog, pg_temp");
            }
            if (parts[2].equals("definer") || parts[3].equals("trigger")) {
                assertThat(targetNames).as(name + " is called by a target").anyMatch(t -> t.contains(name));
            }
        }
    }

    /**
     * Why our bodies qualify every name that is not in pg_catalog: with {@code pg_catalog, pg_temp} a bare
     * name of ours ({@code notification_status}, {@code audit_logs}) is still found in pg_temp. A probe
     * function written that way is captured by the same attacks, as the owner: the harness sees a capture
     * on the latest server, so its silence above means something.
     */
    @Test
    void aBodyWithABareNameWouldBeCapturedEvenWithPgTempLast() throws SQLException {
        try (TestDatabase db = FunctionAttackSupport.latest().newDatabase()) {
            grantTemporaryBack(db);
            Clinic clinic = Clinic.create(db);
            // bare names do not exist when they are created: the bodies are checked when called, under the attack
            FunctionAttackSupport.admin(db, "set check_function_bodies = off;"
                    + " create function public.voxanne_probe_bare_type() returns pg_catalog.text"
                    + " language plpgsql security definer set search_path = pg_catalog, pg_temp as $$"
                    + " declare v_status notification_status := 'unread'; begin return v_status::text; end $$;"
                    + " create function public.voxanne_probe_bare_relation() returns pg_catalog.int8"
                    + " language plpgsql security definer set search_path = pg_catalog, pg_temp as $$"
                    + " begin return (select count(*) from audit_logs); end $$;"
                    + " grant execute on function public.voxanne_probe_bare_type(), public.voxanne_probe_bare_relation()"
                    + " to authenticated");
            String owner = functionOwner(db);
            Outcome type = attack(db, clinic, new Target("probe", Clinic::userA1, (c, k) -> FunctionAttackSupport.text(c,
                            "select public.voxanne_probe_bare_type()"), k -> "unread"),
                    new Attack("domain named notification_status", ShadowAttacks.domainNamed("notification_status")), false);
            assertThat(type.loot()).contains(owner + " via domain named notification_status");
            assertThat(type.result()).isEqualTo("unread");
            Outcome relation = attack(db, clinic, new Target("probe", Clinic::userA1, (c, k) -> FunctionAttackSupport.text(c,
                            "select public.voxanne_probe_bare_relation()::pg_catalog.text"), k -> "1"),
                    new Attack("temp view audit_logs", ShadowAttacks.view("audit_logs")), false);
            assertThat(relation.loot()).contains(owner + " via view audit_logs");
            assertThat(relation.result()).isEqualTo("1");
        }
    }

    /**
     * The first line of defence, on a database as migrated (no TEMPORARY granted back): no API role may
     * create a temporary object at all.
     */
    @Test
    void asMigratedTheApiRolesCannotCreateTemporaryObjects() throws SQLException {
        try (TestDatabase db = FunctionAttackSupport.latest().newDatabase()) {
            for (String role : new String[] {"public", "anon", "authenticated", "service_role"}) {
                assertThat(FunctionAttackSupport.adminText(db, "select pg_catalog.has_database_privilege("
                        + "'" + role + "', current_database(), 'TEMPORARY')::text"))
                        .as(role).isEqualTo("false");
            }
            Clinic clinic = Clinic.create(db);
            for (var claims : List.of(clinic.userA1(), clinic.service())) {
                assertThatThrownBy(() -> inSession(db, claims, c -> {
                    execute(c, "create temporary table voxanne_probe (x int)");
                    return null;
                })).as(claims.role().roleName()).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            }
        }
    }
}
