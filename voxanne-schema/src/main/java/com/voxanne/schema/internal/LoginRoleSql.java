package com.voxanne.schema.internal;

import java.util.List;
import java.util.Set;

/**
 * The SQL of the production login role, in one place: {@link LoginRoles} runs it (for
 * {@code VoxanneSchema.loginRole} and {@code voxanne login-role}), and docs/production.md shows
 * {@link #script} for a role named {@code voxanne_app} (a test keeps the two equal), for whoever creates
 * the role without Voxanne.
 *
 * <p>The role is like Supabase's {@code authenticator}: it logs in, holds no right of its own (NOINHERIT:
 * it has a role's rights only after the DAO's {@code SET LOCAL ROLE}), bypasses nothing and owns nothing.
 * It is a member of {@code authenticated} (a user's units) and {@code service_role} (the service scope),
 * not of {@code anon}: no unit of the DAO runs as anon.
 */
final class LoginRoleSql {

    /** The roles the DAO's units switch to, in the order they are granted. */
    static final List<String> API_ROLES = List.of("authenticated", "service_role");

    /**
     * Names never created or changed: the platform's and Supabase's own roles (anon, the API
     * roles, {@code authenticator}, whose password Supabase's Data API holds), and the reserved prefixes.
     */
    static final Set<String> RESERVED = Set.of("postgres", "anon", "authenticated", "service_role", "authenticator",
            "public", "current_user", "session_user", "current_role", "none");

    /** Prefixes the server or Supabase reserve for their own roles. */
    static final List<String> RESERVED_PREFIXES = List.of("pg_", "supabase_");

    /** What a name must look like: a lower-case SQL identifier, so that it needs no quoting anywhere. */
    static final String NAME_PATTERN = "[a-z_][a-z0-9_]{0,62}";

    private LoginRoleSql() {
    }

    /** Creates the role with every attribute spelled out; a superuser is not needed (CREATEROLE is enough). */
    static String create(String role) {
        return "create role " + role + " login noinherit nosuperuser nobypassrls nocreatedb nocreaterole noreplication";
    }

    /** Its memberships: SET ROLE to each, no inherited rights (the role is NOINHERIT). */
    static String grant(String role) {
        return "grant " + String.join(", ", API_ROLES) + " to " + role;
    }

    /**
     * Its current state: attributes, what it owns in this database, and its memberships. One row, or
     * none if the role does not exist. Parameter 1: the name.
     */
    static final String INSPECT = """
            select r.rolsuper, r.rolbypassrls, r.rolreplication, r.rolcanlogin, r.rolinherit, r.rolcreatedb,
                   r.rolcreaterole, r.rolconnlimit,
                   (select count(*) from pg_catalog.pg_class c where c.relowner = r.oid)
                 + (select count(*) from pg_catalog.pg_namespace n where n.nspowner = r.oid)
                 + (select count(*) from pg_catalog.pg_proc p where p.proowner = r.oid)
                 + (select count(*) from pg_catalog.pg_database d where d.datdba = r.oid) as owned,
                   coalesce((select pg_catalog.array_agg(distinct g.rolname::text order by g.rolname::text)
                               from pg_catalog.pg_auth_members m join pg_catalog.pg_roles g on g.oid = m.roleid
                              where m.member = r.oid), '{}') as member_of
              from pg_catalog.pg_roles r
             where r.rolname = ?""";

    /** The API roles that exist (the migrations create them on plain PostgreSQL; Supabase has them). */
    static final String API_ROLES_PRESENT = "select pg_catalog.count(*) from pg_catalog.pg_roles where rolname = any(?)";

    /**
     * The statements for someone doing it by hand, for a new role: create it, grant its roles, then set
     * its password with psql's {@code \password}, which sends only a SCRAM verifier computed by psql (an
     * {@code ALTER ROLE ... PASSWORD 'plain text'} would put the password in the server log of a server
     * that logs statements, pgaudit's included).
     */
    static String script(String role) {
        return create(role) + ";\n" + grant(role) + ";\n" + "\\password " + role + "\n";
    }
}
