package com.voxanne.security;

import static com.voxanne.security.PrivilegeAttackSupport.SUCCESS;
import static com.voxanne.security.PrivilegeAttackSupport.adminColumn;
import static com.voxanne.security.PrivilegeAttackSupport.attempt;
import static com.voxanne.security.PrivilegeAttackSupport.execute;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.security.PrivilegeAttackSupport.Caller;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No API role and not the login role may create temporary objects. A temporary table, view, type or
 * function lives in {@code pg_temp}, which a function whose search path names it can resolve names in,
 * and it survives on a pooled connection from one request to the next: an attacker who can create one
 * can plant an object for the next caller. TEMPORARY on the database is revoked from PUBLIC and the API
 * roles; the admin keeps it.
 *
 * <p>The main attacks run on the test kit's database, a {@code CREATE DATABASE ... TEMPLATE} clone of a
 * migrated template: PostgreSQL does not copy a database's ACL to its clone, so they also prove the kit
 * copies it. A fresh database rolled back to V13 shows each attack working without the revoke.
 */
@VoxannePostgres
class TemporaryObjectsAttackTest {

    /**
     * One statement per kind of object a session can put in {@code pg_temp}; each alone needs the
     * TEMPORARY privilege. The first four are what name resolution could be redirected to; the rest
     * show that no other kind slips through.
     */
    private static final List<String> TEMPORARY_OBJECTS = List.of(
            "create temp table attack_t (id int)",
            "create temp view attack_v as select 1 as one",
            "create domain pg_temp.attack_d as integer",
            "create function pg_temp.attack_f() returns int language sql as 'select 1'",
            "create temp sequence attack_s",
            "create type pg_temp.attack_e as enum ('x')",
            "create type pg_temp.attack_r as (id int)",
            "create collation pg_temp.attack_c from \"C\"",
            "create text search configuration pg_temp.attack_ts (copy = pg_catalog.simple)",
            "create temp table attack_as as select 1 as one");

    @ParameterizedTest
    @EnumSource(Caller.class)
    void noApiRoleNorTheLoginRoleCreatesAnyTemporaryObject(Caller caller, TestDatabase db) {
        for (String sql : TEMPORARY_OBJECTS) {
            assertThat(attempt(db.loginDataSource(), caller, sql))
                    .as("%s: %s (on a clone of the migrated template)", caller, sql).isEqualTo("42501");
        }
    }

    @Test
    void noApiRoleNorPublicHoldsTemporaryOnTheClone(TestDatabase db) throws SQLException {
        assertThat(adminColumn(db.adminDataSource(), "select r.rolname from pg_roles r"
                + " where r.rolname = any (array['anon', 'authenticated', 'service_role', ?])"
                + " and has_database_privilege(r.oid, current_database(), 'TEMPORARY')", db.server().loginRole()))
                .as("roles holding TEMPORARY on the clone (the test kit must copy the template's ACL)").isEmpty();
        assertThat(adminColumn(db.adminDataSource(), "select a.privilege_type from pg_database d,"
                + " aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + " where d.datname = current_database() and a.grantee = 0"))
                .as("what PUBLIC holds on the clone").doesNotContain("TEMPORARY").contains("CONNECT");
    }

    @Test
    void theAdminStillCreatesTemporaryObjects(TestDatabase db) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            for (String sql : TEMPORARY_OBJECTS) {
                execute(c, sql);
            }
            assertThat(PrivilegeAttackSupport.value(c, "select pg_temp.attack_f() + (select one from attack_v)"))
                    .isEqualTo("2");
            c.rollback();
        }
    }

    /**
     * Without V14 every API role creates temporary objects (the attack works); U14 restores exactly the
     * database ACL that was there, an explicit grant included; migrating again revokes it again.
     */
    @Test
    void rollingBackToV13RestoresTheGrantsAndMigratingAgainRevokesThem() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            PrivilegeAttackSupport.grantApiRoles(db);
            // An explicit grant besides PUBLIC's default one: both must be revoked and both restored.
            PrivilegeAttackSupport.admin(db.adminDataSource(),
                    "grant temporary on database \"" + db.name() + "\" to service_role");
            List<String> aclBefore = databaseAcl(db);
            VoxanneSchema schema = PrivilegeAttackSupport.schema(db);

            schema.migrate();
            assertRefusedForEveryCaller(db);

            schema.rollbackTo("13", false);
            assertThat(databaseAcl(db)).as("the database ACL after U14").containsExactlyElementsOf(aclBefore);
            for (Caller caller : Caller.values()) {
                for (String sql : TEMPORARY_OBJECTS) {
                    assertThat(attempt(db.loginDataSource(), caller, sql))
                            .as("%s without V14: %s", caller, sql).isEqualTo(SUCCESS);
                }
            }

            schema.migrate();
            assertRefusedForEveryCaller(db);
        }
    }

    /**
     * A pooled connection open across the migration may already have its temporary schema (PostgreSQL
     * checks TEMPORARY when it creates that schema, once per session): it still cannot create anything
     * in it once the privilege is gone, though what it made before stays usable to it alone.
     */
    @Test
    void aSessionWhoseTemporarySchemaPredatesTheRevokeCreatesNothingMore() throws SQLException {
        try (TestDatabase db = PrivilegeAttackSupport.freshMigratedDatabase()) {
            VoxanneSchema schema = PrivilegeAttackSupport.schema(db);
            schema.rollbackTo("13", false);
            try (Connection pooled = db.loginDataSource().getConnection()) {
                pooled.setAutoCommit(false);
                bindAuthenticated(pooled);
                execute(pooled, "create temp table attack_early (id int)");
                pooled.commit();

                schema.migrate();

                for (String sql : TEMPORARY_OBJECTS) {
                    bindAuthenticated(pooled);
                    assertThat(PrivilegeAttackSupport.sqlState(() -> execute(pooled, sql)))
                            .as("%s in a session whose pg_temp exists", sql).isEqualTo("42501");
                    pooled.rollback();
                }
                pooled.setAutoCommit(true);
                assertThat(PrivilegeAttackSupport.sqlState(() -> execute(pooled, "create temp table attack_unbound (id int)")))
                        .as("the login role itself, in that session").isEqualTo("42501");
            }
        }
    }

    private static void bindAuthenticated(Connection c) throws SQLException {
        PrivilegeAttackSupport.value(c, "select set_config('role', 'authenticated', true)");
    }

    private static void assertRefusedForEveryCaller(TestDatabase db) {
        for (Caller caller : Caller.values()) {
            for (String sql : TEMPORARY_OBJECTS) {
                assertThat(attempt(db.loginDataSource(), caller, sql)).as("%s: %s", caller, sql).isEqualTo("42501");
            }
        }
    }

    /** The database's ACL, one sorted line per grant (the default ACL spelled out when it is NULL). */
    private static List<String> databaseAcl(TestDatabase db) throws SQLException {
        return adminColumn(db.adminDataSource(), "select coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC')"
                + " || ' ' || a.privilege_type || ' ' || a.is_grantable from pg_database d,"
                + " aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + " where d.datname = current_database() order by 1");
    }
}
