package com.voxanne.security;

import static com.voxanne.security.PrivilegeAttackSupport.SUCCESS;
import static com.voxanne.security.PrivilegeAttackSupport.admin;
import static com.voxanne.security.PrivilegeAttackSupport.adminColumn;
import static com.voxanne.security.PrivilegeAttackSupport.attempt;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.security.PrivilegeAttackSupport.Caller;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A function the migrating role creates after the migrations (a later migration of the application, a
 * hot fix typed by hand) is not callable by the API roles until it is granted. PostgreSQL grants EXECUTE
 * on every new function to PUBLIC, and Supabase's default privileges grant everything in schema public to
 * anon and authenticated; a SECURITY DEFINER function created that way would run with its owner's rights
 * for any caller. V14 changes the migrating role's default privileges so that a grant must be explicit.
 */
class DefaultPrivilegesAttackTest {

    /** An invoker function, a SECURITY DEFINER one and a procedure, as a later migration might add them. */
    private static final String[] NEW_FUNCTIONS = {
        "create function %s.attack_probe() returns int language sql as 'select 1'",
        "create function %s.attack_definer() returns int language sql security definer"
                + " set search_path = pg_catalog, pg_temp as 'select 2'",
        "create procedure %s.attack_procedure() language sql as 'select 3'",
    };

    private static final List<String> PROBES = List.of("attack_probe()", "attack_definer()", "attack_procedure()");

    private static final String DROP_PROBES =
            "drop routine public.attack_probe(), public.attack_definer(), public.attack_procedure()";

    /** How {@code function} is invoked. */
    private static String invoke(String function) {
        return (function.contains("procedure") ? "call " : "select ") + function;
    }

    private static void createFunctions(DataSource as, String schema) throws SQLException {
        for (String f : NEW_FUNCTIONS) {
            admin(as, String.format(f, schema));
        }
    }

    /** The roles that may execute {@code function}: API roles, and the login role standing for PUBLIC. */
    private static List<String> executors(TestDatabase db, String function) throws SQLException {
        // The login role is NOINHERIT and granted nothing directly: it holds what PUBLIC holds.
        return adminColumn(db.adminDataSource(), "select case when r.rolname = ? then 'PUBLIC' else r.rolname end"
                + " from pg_roles r where r.rolname = any (array['anon', 'authenticated', ?])"
                + " and has_function_privilege(r.oid, ?::regprocedure, 'EXECUTE') order by 1",
                db.server().loginRole(), db.server().loginRole(), function);
    }

    private static void assertNobodyCalls(TestDatabase db, String schema) throws SQLException {
        for (String probe : PROBES) {
            String function = schema + "." + probe;
            assertThat(executors(db, function)).as("who may execute %s", function).isEmpty();
            assertThat(adminColumn(db.adminDataSource(), "select count(*)::text from pg_proc p,"
                    + " aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
                    + " where p.oid = ?::regprocedure and a.grantee = 0", function))
                    .as("PUBLIC's grants on %s", function).containsExactly("0");
            for (Caller caller : List.of(Caller.ANON, Caller.AUTHENTICATED, Caller.LOGIN_ROLE)) {
                assertThat(attempt(db.loginDataSource(), caller, invoke(function)))
                        .as("%s calling %s", caller, function).isEqualTo("42501");
            }
        }
    }

    @Test
    void aFunctionTheMigratorCreatesLaterIsNotCallableUntilGranted() throws SQLException {
        try (TestDatabase db = PrivilegeAttackSupport.freshMigratedDatabase()) {
            // An application schema the API roles may use: only the global default protects it.
            admin(db.adminDataSource(), "create schema app", "grant usage on schema app to anon, authenticated");
            for (String schema : List.of("public", "app")) {
                createFunctions(db.adminDataSource(), schema);
                assertNobodyCalls(db, schema);
            }

            admin(db.adminDataSource(), "grant execute on function public.attack_definer() to authenticated");
            assertThat(attempt(db.loginDataSource(), Caller.AUTHENTICATED, "select public.attack_definer()"))
                    .as("authenticated after an explicit grant").isEqualTo(SUCCESS);
            assertThat(attempt(db.loginDataSource(), Caller.ANON, "select public.attack_definer()"))
                    .as("anon, not granted").isEqualTo("42501");
        }
    }

    /** The database's default privileges, one line each. */
    private static List<String> defaultAcl(TestDatabase db) throws SQLException {
        return adminColumn(db.adminDataSource(), "select d.defaclrole::regrole || ' ' || coalesce(nullif(d.defaclnamespace, 0)"
                + "::regnamespace::text, '*') || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text"
                + " from pg_default_acl d order by 1");
    }

    @Test
    void withoutV14EveryoneCallsANewFunction() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            PrivilegeAttackSupport.grantApiRoles(db);
            List<String> before = defaultAcl(db);
            PrivilegeAttackSupport.schema(db).migrate();
            assertThat(defaultAcl(db)).as("default privileges after V14").isNotEqualTo(before);
            PrivilegeAttackSupport.schema(db).rollbackTo("13", false);
            assertThat(defaultAcl(db)).as("default privileges after U14").containsExactlyElementsOf(before);
            createFunctions(db.adminDataSource(), "public");
            for (String probe : PROBES) {
                assertThat(executors(db, "public." + probe)).containsExactlyInAnyOrder("PUBLIC", "anon", "authenticated");
                assertThat(attempt(db.loginDataSource(), Caller.ANON, invoke("public." + probe)))
                        .as("anon calling %s without V14", probe).isEqualTo(SUCCESS);
            }
            admin(db.adminDataSource(), DROP_PROBES);

            // Migrating forward again protects what is created afterwards.
            PrivilegeAttackSupport.schema(db).migrate();
            createFunctions(db.adminDataSource(), "public");
            assertNobodyCalls(db, "public");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Supabase-shaped database
    // ---------------------------------------------------------------------------------------------

    /** Supabase's platform role owning schema auth (the API roles come from {@link PrivilegeAttackSupport#API_ROLES}). */
    private static final String PLATFORM_ROLE = """
            do $$
            begin
              if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
                create role supabase_auth_admin nologin noinherit;
              end if;
            end $$""";

    /** A minimal Supabase auth schema, owned by supabase_auth_admin, with the platform's auth.uid(). */
    private static final String AUTH_SCHEMA = """
            create schema auth authorization supabase_auth_admin;
            set role supabase_auth_admin;
            create table auth.users (
              id                 uuid  not null primary key,
              email              varchar(255),
              raw_app_meta_data  jsonb,
              raw_user_meta_data jsonb,
              created_at         timestamptz,
              updated_at         timestamptz
            );
            create function auth.uid() returns uuid language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                              (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
            $f$;
            create function auth.role() returns text language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                              (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
            $f$;
            create function auth.jwt() returns jsonb language sql stable as $f$
              select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                              nullif(current_setting('request.jwt.claims', true), ''))::jsonb
            $f$;
            grant usage on schema auth to anon, authenticated, service_role;
            grant all on auth.users to service_role;
            reset role""";

    /**
     * On Supabase a non-superuser {@code postgres} owns the database and migrates it, and its default
     * privileges in schema public grant everything to anon, authenticated and service_role. A function it
     * creates after migrating is not callable by anon or authenticated (nor PUBLIC); one it created before
     * migrating shows what the default privileges did without V14.
     */
    @Test
    void onASupabaseShapedDatabaseTheMigratorsNewFunctionsAreNotCallableEither() throws SQLException {
        String role = "voxanne_attack_migrator_" + UUID.randomUUID().toString().substring(0, 8);
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            PrivilegeAttackSupport.grantApiRoles(db);
            admin(db.adminDataSource(), PLATFORM_ROLE, AUTH_SCHEMA);
            try {
                DataSource migrator = supabaseMigrator(db, role);
                createFunctions(migrator, "public");
                for (String probe : PROBES) {
                    assertThat(executors(db, "public." + probe)).as("%s before migrating", probe)
                            .containsExactlyInAnyOrder("PUBLIC", "anon", "authenticated");
                    assertThat(attempt(db.loginDataSource(), Caller.ANON, invoke("public." + probe)))
                            .as("anon calling %s created before migrating", probe).isEqualTo(SUCCESS);
                }
                admin(migrator, DROP_PROBES);
                List<String> before = defaultAcl(db);

                VoxanneSchema schema = VoxanneSchema.configure().dataSource(migrator).load();
                schema.migrate();

                createFunctions(migrator, "public");
                assertNobodyCalls(db, "public");
                assertThat(attempt(db.loginDataSource(), Caller.SERVICE_ROLE, "select public.attack_definer()"))
                        .as("service_role keeps Supabase's grant in public").isEqualTo(SUCCESS);
                admin(migrator, "grant execute on function public.attack_probe() to authenticated");
                assertThat(attempt(db.loginDataSource(), Caller.AUTHENTICATED, "select public.attack_probe()"))
                        .as("authenticated after an explicit grant").isEqualTo(SUCCESS);

                admin(migrator, DROP_PROBES);
                schema.rollbackTo("13", false);
                assertThat(defaultAcl(db)).as("Supabase's default privileges after U14").containsExactlyElementsOf(before);
            } finally {
                admin(db.adminDataSource(), "do $$ begin if exists (select 1 from pg_roles where rolname = '" + role + "') then"
                        + " reassign owned by " + role + " to current_user; drop owned by " + role + "; drop role " + role + ";"
                        + " end if; end $$");
            }
        }
    }

    /**
     * A LOGIN BYPASSRLS CREATEROLE non-superuser owning {@code db}, with Supabase's grant-everything default
     * privileges in schema public and read access to auth.users; returns its data source.
     */
    private static DataSource supabaseMigrator(TestDatabase db, String role) throws SQLException {
        String password = UUID.randomUUID().toString();
        admin(db.adminDataSource(),
                "create role " + role + " login nosuperuser bypassrls createrole password '" + password + "'",
                "alter database \"" + db.name() + "\" owner to " + role,
                "grant all on schema public to " + role,
                "set role supabase_auth_admin; grant usage on schema auth to " + role
                        + "; grant select, references on auth.users to " + role + "; reset role",
                "alter default privileges for role " + role + " in schema public"
                        + " grant all on tables to anon, authenticated, service_role",
                "alter default privileges for role " + role + " in schema public"
                        + " grant all on functions to anon, authenticated, service_role",
                "alter default privileges for role " + role + " in schema public"
                        + " grant all on sequences to anon, authenticated, service_role");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {db.server().host()});
        ds.setPortNumbers(new int[] {db.server().port()});
        ds.setDatabaseName(db.name());
        ds.setUser(role);
        ds.setPassword(password);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("select 1");
        }
        return ds;
    }
}
