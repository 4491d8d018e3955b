package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * On Supabase the schema {@code auth} belongs to the platform ({@code supabase_auth_admin}) and the
 * migrations must not change anything in it. A database is given a Supabase-like auth schema before it
 * is migrated; the migration succeeds, every catalog fact about {@code auth} is the same afterwards, and
 * row-level security works with that schema's own {@code auth.uid()}.
 *
 * <p>It is migrated both by the superuser (who could change anything in {@code auth}) and by a
 * non-superuser migrating role like Supabase's {@code postgres}: LOGIN, BYPASSRLS, CREATEROLE, owner of
 * the database, with USAGE on {@code auth} and SELECT/REFERENCES on {@code auth.users} but no CREATE in
 * {@code auth}. Supabase's API roles already exist there (they are cluster-wide and created up front here:
 * before PostgreSQL 16 only a superuser may create the BYPASSRLS service_role).
 */
@DisabledIf(value = "com.voxanne.schema.CitusSupport#onCitus",
        disabledReason = "Supabase is not a Citus cluster: there the platform's auth roles, which cannot log in, would run DDL Citus sends to the workers as them")
class SupabaseAuthSchemaTest {

    /** Who runs the migration. */
    enum Migrator { SUPERUSER, NON_SUPERUSER }

    private static final String PLATFORM_ROLES = """
            do $$
            begin
              if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
                create role supabase_auth_admin nologin noinherit;
              end if;
              if not exists (select 1 from pg_roles where rolname = 'anon') then
                create role anon nologin noinherit;
              end if;
              if not exists (select 1 from pg_roles where rolname = 'authenticated') then
                create role authenticated nologin noinherit;
              end if;
              if not exists (select 1 from pg_roles where rolname = 'service_role') then
                create role service_role nologin noinherit bypassrls;
              end if;
            end $$""";

    /** A Supabase-like auth schema, everything owned by supabase_auth_admin (run as it). */
    private static final String AUTH_SCHEMA = """
            create schema auth authorization supabase_auth_admin;
            set role supabase_auth_admin;
            comment on schema auth is 'Supabase Auth';
            create table auth.users (
              instance_id        uuid,
              id                 uuid         not null primary key,
              aud                varchar(255),
              role               varchar(255),
              email              varchar(255),
              encrypted_password varchar(255),
              phone              text         unique default null,
              raw_app_meta_data  jsonb,
              raw_user_meta_data jsonb,
              created_at         timestamptz,
              updated_at         timestamptz,
              is_anonymous       boolean      not null default false
            );
            comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
            comment on column auth.users.is_anonymous is 'Set by the anonymous sign-in flow';
            create index users_instance_id_idx on auth.users (instance_id);
            create table auth.sessions (
              id         uuid not null primary key,
              user_id    uuid not null references auth.users (id) on delete cascade,
              created_at timestamptz
            );
            create function auth.uid() returns uuid language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                              (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
            $f$;
            comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
            create function auth.role() returns text language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                              (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
            $f$;
            create function auth.email() returns text language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                              (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text
            $f$;
            create function auth.jwt() returns jsonb language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                              nullif(current_setting('request.jwt.claims', true), ''))::jsonb
            $f$;
            grant usage on schema auth to anon, authenticated, service_role;
            grant all on auth.users, auth.sessions to service_role;
            reset role""";

    /** Every fact about schema auth a migration could change, without OIDs, one line each. */
    private static final String[] AUTH_CATALOG = {
        "select 'schema', nspname, pg_get_userbyid(nspowner), nspacl::text, obj_description(oid, 'pg_namespace')"
            + " from pg_namespace where nspname = 'auth'",
        "select 'default acl', defaclrole::regrole::text, defaclobjtype, defaclacl::text from pg_default_acl d"
            + " join pg_namespace n on n.oid = d.defaclnamespace where n.nspname = 'auth'",
        // relhastriggers is left out: referencing auth.users adds the foreign key's internal triggers (below)
        "select 'class', c.relname, c.relkind, pg_get_userbyid(c.relowner), c.relacl::text, c.relrowsecurity,"
            + " c.relforcerowsecurity, c.reloptions::text, c.relpersistence, obj_description(c.oid, 'pg_class')"
            + " from pg_class c where c.relnamespace = 'auth'::regnamespace",
        "select 'column', c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " pg_get_expr(d.adbin, d.adrelid), a.attacl::text, a.attidentity, a.attgenerated, a.attisdropped,"
            + " col_description(c.oid, a.attnum)"
            + " from pg_attribute a join pg_class c on c.oid = a.attrelid"
            + " left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
            + " where c.relnamespace = 'auth'::regnamespace and a.attnum > 0",
        "select 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid)"
            + " from pg_constraint k join pg_class c on c.oid = k.conrelid where c.relnamespace = 'auth'::regnamespace",
        "select 'index', tablename, indexname, indexdef from pg_indexes where schemaname = 'auth'",
        "select 'policy', tablename, policyname, permissive, roles::text, cmd, qual, with_check"
            + " from pg_policies where schemaname = 'auth'",
        "select 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled"
            + " from pg_trigger t join pg_class c on c.oid = t.tgrelid"
            + " where c.relnamespace = 'auth'::regnamespace and not t.tgisinternal",
        "select 'function', p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid),"
            + " pg_get_userbyid(p.proowner), p.proacl::text, p.prosecdef, p.provolatile, p.proconfig::text,"
            + " obj_description(p.oid, 'pg_proc')"
            + " from pg_proc p where p.pronamespace = 'auth'::regnamespace",
        "select 'type', t.typname, t.typtype, pg_get_userbyid(t.typowner), t.typacl::text"
            + " from pg_type t where t.typnamespace = 'auth'::regnamespace",
        "select 'sequence', c.relname, s.seqtypid::regtype::text, s.seqstart, s.seqincrement"
            + " from pg_sequence s join pg_class c on c.oid = s.seqrelid where c.relnamespace = 'auth'::regnamespace",
    };

    private static List<String> authSnapshot(TestDatabase db) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            for (String query : AUTH_CATALOG) {
                try (ResultSet rs = s.executeQuery(query)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        List<String> values = new ArrayList<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            values.add(rs.getString(i));
                        }
                        lines.add(String.join(" | ", values));
                    }
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    /**
     * A LOGIN BYPASSRLS CREATEROLE role owning {@code db}, allowed to read and reference auth.users but
     * not to create anything in auth, as Supabase's postgres is. Returns its data source.
     */
    private static DataSource nonSuperuserMigrator(TestDatabase db, String role) throws SQLException {
        String password = UUID.randomUUID().toString();
        admin(db, "create role " + role + " login nosuperuser bypassrls createrole password '" + password + "'");
        admin(db, "alter database \"" + db.name() + "\" owner to " + role);
        admin(db, "set role supabase_auth_admin; grant usage on schema auth to " + role
                + "; grant select, references on auth.users to " + role + "; reset role");
        assertThat(adminColumn(db, "select r.rolsuper::text || ' ' || has_schema_privilege(r.oid, 'auth', 'create')::text"
                + " from pg_roles r where r.rolname = ?", role)).containsExactly("false false");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {db.server().host()});
        ds.setPortNumbers(new int[] {db.server().port()});
        ds.setDatabaseName(db.name());
        ds.setUser(role);
        ds.setPassword(password);
        return ds;
    }

    /** Gives what the migrating role owns back to the admin and drops the role (it is cluster-wide). */
    private static void dropMigrator(TestDatabase db, String role) throws SQLException {
        admin(db, "do $$ begin if exists (select 1 from pg_roles where rolname = '" + role + "') then"
                + " reassign owned by " + role + " to current_user; drop owned by " + role + "; drop role " + role + ";"
                + " end if; end $$");
    }

    @ParameterizedTest
    @EnumSource(Migrator.class)
    void migratingLeavesAPlatformAuthSchemaExactlyAsItWas(Migrator migrator) throws SQLException {
        String role = "voxanne_test_migrator_" + UUID.randomUUID().toString().substring(0, 8);
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            admin(db, PLATFORM_ROLES);
            admin(db, AUTH_SCHEMA);
            try {
                DataSource migrating = migrator == Migrator.SUPERUSER ? db.adminDataSource() : nonSuperuserMigrator(db, role);
                List<String> before = authSnapshot(db);
                List<String> internalTriggersBefore = adminColumn(db, "select tgname from pg_trigger"
                        + " where tgrelid = 'auth.users'::regclass and tgisinternal");
                MigrationResult result = VoxanneSchema.configure().dataSource(migrating).load().migrate();
                assertThat(result.currentVersion()).isEqualTo(String.valueOf(MigrationLifecycleTest.MIGRATION_COUNT));

                assertThat(authSnapshot(db)).containsExactlyElementsOf(before);
                // The only addition on auth.users: the internal triggers of notifications' foreign key to it.
                assertThat(adminColumn(db, "select t.tgname || ' ' || k.conrelid::regclass from pg_trigger t"
                        + " join pg_constraint k on k.oid = t.tgconstraint"
                        + " where t.tgrelid = 'auth.users'::regclass and t.tgisinternal"
                        + " and not (t.tgname = any (?::text[]))", (Object) internalTriggersBefore.toArray(String[]::new)))
                        .isNotEmpty().allSatisfy(line -> assertThat(line).endsWith(" notifications"));
                assertThat(adminColumn(db, "select obj_description(p.oid, 'pg_proc') from pg_proc p"
                        + " where p.pronamespace = 'auth'::regnamespace and p.proname = 'uid'"))
                        .as("the platform's auth.uid() is used, not the voxanne shim")
                        .containsExactly("Deprecated. Use auth.jwt() -> 'sub' instead.");

                rowLevelSecurityWorksBesideThePlatformsAuth(db);
            } finally {
                if (migrator == Migrator.NON_SUPERUSER) {
                    dropMigrator(db, role);
                }
            }
        }
    }

    private static void rowLevelSecurityWorksBesideThePlatformsAuth(TestDatabase db) throws SQLException {
        SchemaTestSupport.grantApiRoles(db.server(), db.adminDataSource());
        UUID orgA = SchemaTestSupport.organization(db, "Clinic A");
        UUID orgB = SchemaTestSupport.organization(db, "Clinic B");
        RequestClaims alice = RequestClaims.user(orgA, SchemaTestSupport.user(db, orgA));
        RequestClaims colleague = RequestClaims.user(orgA, SchemaTestSupport.user(db, orgA));
        RequestClaims bob = RequestClaims.user(orgB, SchemaTestSupport.user(db, orgB));

        String contact = column(db, alice, "insert into public.contacts (org_id, name) values (?, 'Ann') returning id::text",
                orgA).get(0);
        assertThat(column(db, alice, "select id::text from public.contacts")).containsExactly(contact);
        assertThat(column(db, bob, "select id::text from public.contacts")).isEmpty();

        // notifications are scoped by public.auth_user_id(), which reads the same claims as the platform's
        // auth.uid() but is bound when created: the platform's string body is never parsed in a caller's path
        assertThat(adminColumn(db, "select p.prosqlbody is not null from pg_proc p where p.oid = 'public.auth_user_id()'::regprocedure"))
                .containsExactly("t");
        String notification = column(db, alice, "select public.create_notification(?, ?, 'hot_lead', 'Lead', 'Ann called')::text",
                orgA, colleague.userId().orElseThrow()).get(0);
        assertThat(column(db, colleague, "select id::text from public.notifications")).containsExactly(notification);
        assertThat(column(db, alice, "select id::text from public.notifications")).isEmpty();
        assertThat(column(db, bob, "select id::text from public.notifications")).isEmpty();
        assertThat(adminColumn(db, "select authenticated_user::text from public.audit_logs"
                + " where table_name = 'contacts' and row_data ->> 'id' = ?", contact))
                .containsExactly(alice.userId().orElseThrow().toString());

        // no temporary objects for PUBLIC or an API role on this database either (the migrator owns it)
        assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role')"
                + " and has_database_privilege(r.oid, current_database(), 'TEMPORARY')")).isEmpty();
        assertThat(adminColumn(db, "select count(*)::text from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + " where d.datname = current_database() and a.grantee = 0 and a.privilege_type = 'TEMPORARY'"))
                .containsExactly("0");
    }
}
