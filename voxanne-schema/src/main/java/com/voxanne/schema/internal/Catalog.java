package com.voxanne.schema.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * What the verification checks read from pg_catalog, through jOOQ's plain SQL on the verification
 * connection: each query once, with its bind values beside it, its result as typed values or a small
 * record (no text to take apart). jOOQ's own information_schema and pg_catalog classes are not generated
 * in this module, so the queries are written out; every name they use is a catalog's.
 *
 * <p>Each query runs in a savepoint of its own: one that fails (a relation a broken database lacks)
 * fails its own item and leaves the transaction usable for the next ones.
 */
final class Catalog {

    private final Connection connection;
    private final DSLContext sql;

    Catalog(Connection connection) {
        this.connection = connection;
        JooqBanner.silence();
        // no execute logging: a failing query is its item's reason, not a log line; nothing reads warnings
        this.sql = DSL.using(connection, SQLDialect.POSTGRES,
                new Settings().withExecuteLogging(false).withFetchWarnings(false));
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(DSLContext sql);
    }

    /** Runs {@code query} behind a savepoint; a failure is the driver's SQLException, as the checks report it. */
    private <T> T read(Query<T> query) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            T result = query.run(sql);
            connection.releaseSavepoint(savepoint);
            return result;
        } catch (DataAccessException e) {
            connection.rollback(savepoint);
            throw sqlException(e);
        }
    }

    private static SQLException sqlException(DataAccessException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException found) {
                return found;
            }
        }
        return new SQLException(e.getMessage(), e.sqlState(), e);
    }

    /** The first column of every row, as text. */
    List<String> strings(String query, Object... binds) throws SQLException {
        return read(sql -> sql.fetch(query, binds).getValues(0, String.class));
    }

    /** Every row of a query, each column as text (null where it is null). */
    List<List<String>> rowsOfText(String query, Object... binds) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        for (Record r : rows(query, binds)) {
            List<String> row = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                row.add(r.get(i, String.class));
            }
            rows.add(row);
        }
        return rows;
    }

    /** A query's single number. */
    int count(String query, Object... binds) throws SQLException {
        return read(sql -> sql.fetchOne(query, binds).get(0, Integer.class));
    }

    private Result<Record> rows(String query, Object... binds) throws SQLException {
        return read(sql -> sql.fetch(query, binds));
    }

    private static String[] array(List<String> values) {
        return values.toArray(String[]::new);
    }

    private static List<String> list(Record row, String field) {
        String[] values = row.get(field, String[].class);
        return values == null ? List.of() : List.of(values);
    }

    // ---------------------------------------------------------------------------------------------
    // Tables, enums, indexes
    // ---------------------------------------------------------------------------------------------

    /** The columns of {@code public.table}; empty when there is no such table. */
    Set<String> columns(String table) throws SQLException {
        return new LinkedHashSet<>(strings("select a.attname from pg_attribute a where a.attrelid = to_regclass(?)"
                + " and a.attnum > 0 and not a.attisdropped", "public." + table));
    }

    /** The labels of enum {@code public.type}, in order; empty when there is no such type. */
    List<String> enumLabels(String type) throws SQLException {
        return strings("select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid"
                + " join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public' and t.typname = ?"
                + " order by e.enumsortorder", type);
    }

    /** The names of the indexes in schema public. */
    Set<String> indexNames() throws SQLException {
        return new LinkedHashSet<>(strings("select indexname from pg_indexes where schemaname = 'public'"));
    }

    /** Which of {@code tables} (in public) exist. */
    List<String> existingTables(List<String> tables) throws SQLException {
        return strings("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any(?::text[]) order by 1",
                (Object) array(tables));
    }

    /** Which of {@code tables} (in public) do not have row-level security both enabled and forced. */
    List<String> withoutForcedRls(List<String> tables) throws SQLException {
        return strings("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any(?::text[])"
                + " and not (c.relrowsecurity and c.relforcerowsecurity) order by 1", (Object) array(tables));
    }

    /** The secondary indexes of {@code public.table} whose first column is not org_id. */
    List<String> indexesNotLedByOrgId(String table) throws SQLException {
        return strings("select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[0]"
                + " where x.indrelid = to_regclass(?) and not x.indisprimary and a.attname <> 'org_id' order by 1",
                "public." + table);
    }

    /** Whether unique index {@code name} exists and its definition contains {@code definitionPart}. */
    boolean uniqueIndexDefinedAs(String name, String definitionPart) throws SQLException {
        return count("select count(*) from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " where i.relname = ? and x.indisunique and strpos(pg_get_indexdef(x.indexrelid), ?) > 0",
                name, definitionPart) == 1;
    }

    /**
     * The unique indexes of {@code public.table} whose definition ends with {@code columns}, e.g.
     * {@code "(org_id, event_id)"}; {@code withoutPredicate}: only those that are not partial.
     */
    List<String> uniqueIndexesEndingWith(String table, String columns, boolean withoutPredicate) throws SQLException {
        return strings("select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " where x.indrelid = to_regclass(?) and x.indisunique and (not ? or x.indpred is null)"
                + " and right(pg_get_indexdef(x.indexrelid), length(?)) = ? order by 1",
                "public." + table, withoutPredicate, columns, columns);
    }

    /** An index's validity and definition ({@code pg_get_indexdef}), if it exists on {@code public.table}. */
    record IndexDefinition(boolean valid, String definition) {
    }

    IndexDefinition index(String name, String table) throws SQLException {
        Result<Record> found = rows("select x.indisvalid as valid, pg_get_indexdef(x.indexrelid) as definition"
                + " from pg_index x where x.indexrelid = to_regclass(?) and x.indrelid = to_regclass(?)",
                "public." + name, "public." + table);
        return found.isEmpty() ? null
                : new IndexDefinition(found.get(0).get("valid", Boolean.class), found.get(0).get("definition", String.class));
    }

    // ---------------------------------------------------------------------------------------------
    // Policies, triggers, keys
    // ---------------------------------------------------------------------------------------------

    /** Policies ({@code table.policy}) on {@code tables} for a role other than authenticated or service_role. */
    List<String> policiesNotForApiRoles(List<String> tables) throws SQLException {
        return strings("select tablename || '.' || policyname from pg_policies where schemaname = 'public'"
                + " and tablename = any(?::text[])"
                + " and not (roles <@ array['authenticated', 'service_role']::name[]) order by 1", (Object) array(tables));
    }

    /**
     * Every policy on the given tables of public and on auth.users: {@code schema.table}, its name, and its
     * USING and WITH CHECK as the server prints them (null where it has none).
     */
    List<PolicyText> policyTexts(List<String> tables) throws SQLException {
        List<PolicyText> policies = new ArrayList<>();
        for (Record r : rows("select schemaname || '.' || tablename, policyname, qual, with_check from pg_policies"
                + " where (schemaname = 'public' and tablename = any(?::text[])) or (schemaname = 'auth' and tablename = 'users')"
                + " order by 1, 2", (Object) array(tables))) {
            policies.add(new PolicyText(r.get(0, String.class), r.get(1, String.class), r.get(2, String.class),
                    r.get(3, String.class)));
        }
        return policies;
    }

    /** A policy's expressions as the server prints them. */
    record PolicyText(String table, String name, String qual, String withCheck) {
    }

    /** The commands (SELECT, INSERT, …, ALL) of the policies for authenticated alone on {@code public.table}. */
    Set<String> authenticatedPolicyCommands(String table) throws SQLException {
        return new LinkedHashSet<>(strings("select cmd from pg_policies where schemaname = 'public' and tablename = ?"
                + " and roles = array['authenticated']::name[]", table));
    }

    /**
     * How many policies for authenticated alone on {@code public.table} have a condition (USING, else
     * WITH CHECK) that does not contain {@code scope} as the server prints it.
     */
    int authenticatedPoliciesWithout(String table, String scope) throws SQLException {
        return count("select count(*) from pg_policies where schemaname = 'public' and tablename = ?"
                + " and roles = array['authenticated']::name[] and strpos(coalesce(qual, with_check), ?) = 0", table, scope);
    }

    /** How many FOR ALL policies for service_role alone {@code public.table} has. */
    int servicePolicies(String table) throws SQLException {
        return count("select count(*) from pg_policies where schemaname = 'public' and tablename = ? and cmd = 'ALL'"
                + " and roles = array['service_role']::name[]", table);
    }

    /**
     * Which of INSERT, UPDATE and DELETE on {@code public.table} no enabled AFTER statement trigger calling
     * {@code function} records: one with the transition tables the operation has (NEW for INSERT, OLD
     * for DELETE, both for UPDATE) and the table's own name as its first argument (the name the trail
     * records).
     */
    List<String> operationsNotAudited(String table, String function) throws SQLException {
        // tgtype bits (pg_trigger.h): 1 row, 2 before, 4 insert, 8 delete, 16 update, 64 instead of
        return strings("select e.op from (values ('INSERT', 4), ('UPDATE', 16), ('DELETE', 8)) e(op, bit)"
                + " where not exists (select 1 from pg_trigger t join pg_proc p on p.oid = t.tgfoid"
                + " where t.tgrelid = to_regclass(?) and p.proname = ? and t.tgenabled <> 'D'"
                + " and t.tgtype & (1 | 2 | 64) = 0 and t.tgtype & e.bit <> 0"
                + " and (e.op = 'DELETE' or t.tgnewtable is not null) and (e.op = 'INSERT' or t.tgoldtable is not null)"
                + " and t.tgnargs >= 1 and split_part(encode(t.tgargs, 'escape'), '\\000', 1) = ?)"
                + " order by e.bit", "public." + table, function, table);
    }

    /** Whether {@code public.table} has an enabled trigger named {@code prefix…} that calls {@code function}. */
    boolean hasTrigger(String table, String prefix, String function) throws SQLException {
        return count("select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid"
                + " where t.tgrelid = to_regclass(?) and starts_with(t.tgname, ?) and p.proname = ? and t.tgenabled <> 'D'",
                "public." + table, prefix, function) > 0;
    }

    /**
     * The definitions ({@code pg_get_constraintdef}) of the foreign keys from {@code from} to {@code to},
     * both given as {@code schema.table}.
     */
    List<String> foreignKeys(String from, String to) throws SQLException {
        return strings("select pg_get_constraintdef(k.oid) from pg_constraint k where k.conrelid = to_regclass(?)"
                + " and k.contype = 'f' and k.confrelid = to_regclass(?) order by 1", from, to);
    }

    // ---------------------------------------------------------------------------------------------
    // Roles and privileges
    // ---------------------------------------------------------------------------------------------

    /** Which of {@code tables} (in public) service_role may not select, insert, update and delete. */
    List<String> tablesServiceRoleMayNotWrite(List<String> tables) throws SQLException {
        return strings("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind = 'r' and c.relname = any(?::text[])"
                // has_table_privilege with a list is true when ANY of them is held, so ask one at a time.
                + " and not (has_table_privilege('service_role', c.oid, 'select')"
                + " and has_table_privilege('service_role', c.oid, 'insert')"
                + " and has_table_privilege('service_role', c.oid, 'update')"
                + " and has_table_privilege('service_role', c.oid, 'delete')) order by 1", (Object) array(tables));
    }

    /** Which of {@code tables} (and views, in public) have a privilege granted to {@code role} directly. */
    List<String> tablesGrantedTo(String role, List<String> tables) throws SQLException {
        return strings("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p', 'v') and c.relname = any(?::text[])"
                + " and exists (select 1 from aclexplode(c.relacl) a join pg_roles r on r.oid = a.grantee"
                + " where r.rolname = ?) order by 1", array(tables), role);
    }

    /** A role's attributes that the API roles are judged by. */
    record RoleAttributes(String name, boolean canLogin, boolean bypassRls, boolean superuser) {
    }

    /** The attributes of those of {@code roles} that exist, by name. */
    List<RoleAttributes> roles(List<String> roles) throws SQLException {
        List<RoleAttributes> found = new ArrayList<>();
        for (Record r : rows("select rolname::text as name, rolcanlogin as login, rolbypassrls as bypassrls,"
                + " rolsuper as superuser from pg_roles where rolname = any(?::text[]) order by 1", (Object) array(roles))) {
            found.add(new RoleAttributes(r.get("name", String.class), r.get("login", Boolean.class),
                    r.get("bypassrls", Boolean.class), r.get("superuser", Boolean.class)));
        }
        return found;
    }

    // ---------------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------------

    private static final String DEFINERS = " from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
            + " where n.nspname = 'public' and p.prosecdef";

    /** How many SECURITY DEFINER functions public has. */
    int securityDefinerCount() throws SQLException {
        return count("select count(*)" + DEFINERS);
    }

    /** The SECURITY DEFINER functions in public with no search_path setting. */
    List<String> securityDefinersWithoutSearchPath() throws SQLException {
        return strings("select p.proname" + DEFINERS
                + " and not exists (select 1 from unnest(p.proconfig) s where starts_with(s, 'search_path=')) order by 1");
    }

    /** A function's name and its search_path setting (null: none). */
    record FunctionSearchPath(String name, String searchPath) {
    }

    /** The SECURITY DEFINER functions in public named {@code names}, with their search_path setting. */
    List<FunctionSearchPath> securityDefinerSearchPaths(List<String> names) throws SQLException {
        List<FunctionSearchPath> found = new ArrayList<>();
        for (Record r : rows("select p.proname::text as name, " + SEARCH_PATH_SETTING + " as search_path" + DEFINERS
                + " and p.proname = any(?::text[]) order by 1", (Object) array(names))) {
            found.add(new FunctionSearchPath(r.get("name", String.class), r.get("search_path", String.class)));
        }
        return found;
    }

    /** The value of a function's search_path setting ({@code p.proconfig}), null when it has none. */
    private static final String SEARCH_PATH_SETTING = "(select substr(s, length('search_path=') + 1) from unnest(p.proconfig) s"
            + " where starts_with(s, 'search_path=') limit 1)";

    /** The SECURITY DEFINER functions in public that PUBLIC may execute (explicitly, or by having no ACL). */
    List<String> securityDefinersExecutableByPublic() throws SQLException {
        return strings("select p.proname" + DEFINERS
                + " and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0"
                + " and a.privilege_type = 'EXECUTE')) order by 1");
    }

    /** The SECURITY DEFINER functions in public that {@code role} may execute. */
    List<String> securityDefinersExecutableBy(String role) throws SQLException {
        return strings("select p.proname" + DEFINERS + " and has_function_privilege(?, p.oid, 'execute') order by 1", role);
    }

    /** Which of the functions in public named {@code names} {@code role} may execute. */
    List<String> functionsExecutableBy(String role, List<String> names) throws SQLException {
        return strings("select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where n.nspname = 'public' and p.proname = any(?::text[])"
                + " and has_function_privilege(?, p.oid, 'execute') order by 1", array(names), role);
    }

    /** The owners of SECURITY DEFINER functions in public that are neither superuser nor BYPASSRLS. */
    List<String> securityDefinerOwnersSubjectToRls() throws SQLException {
        return strings("select distinct r.rolname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " join pg_roles r on r.oid = p.proowner where n.nspname = 'public' and p.prosecdef"
                + " and not (r.rolsuper or r.rolbypassrls) order by 1");
    }

    /** How a function is declared, as far as the checks care. */
    record FunctionDeclaration(boolean securityDefiner, String volatility, List<String> settings,
            boolean authenticatedMayExecute, boolean serviceRoleMayExecute, boolean anonMayExecute,
            boolean publicMayExecute) {

        /** True when the function sets search_path to exactly {@link SecurityChecks.SearchPath#REQUIRED}. */
        boolean requiredSearchPath() {
            return settings.stream().filter(s -> s.startsWith("search_path="))
                    .anyMatch(s -> SecurityChecks.SearchPath.of(s.substring("search_path=".length())).isRequired());
        }

        String describeSettings() {
            return settings.isEmpty() ? "none" : String.join("; ", settings);
        }
    }

    /** The declaration of the function with this signature ({@code to_regprocedure} form), or null if there is none. */
    FunctionDeclaration function(String signature) throws SQLException {
        Result<Record> found = rows("select p.prosecdef as definer, p.provolatile::text as volatility,"
                + " p.proconfig::text[] as settings,"
                + " has_function_privilege('authenticated', p.oid, 'execute') as authenticated,"
                + " has_function_privilege('service_role', p.oid, 'execute') as service_role,"
                + " has_function_privilege('anon', p.oid, 'execute') as anon,"
                + " exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
                + "   where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public"
                + " from pg_proc p where p.oid = to_regprocedure(?)", signature);
        if (found.isEmpty()) {
            return null;
        }
        Record f = found.get(0);
        return new FunctionDeclaration(f.get("definer", Boolean.class), f.get("volatility", String.class), list(f, "settings"),
                f.get("authenticated", Boolean.class), f.get("service_role", Boolean.class), f.get("anon", Boolean.class),
                f.get("public", Boolean.class));
    }

    // ---------------------------------------------------------------------------------------------
    // Name resolution, temporary objects, default privileges, role settings
    // ---------------------------------------------------------------------------------------------

    /**
     * Every schema, with who of PUBLIC and {@code roles} may create in it: PUBLIC first, then the roles
     * by name; an empty list when none may.
     */
    Map<String, List<String>> schemaCreators(List<String> roles) throws SQLException {
        Map<String, List<String>> creators = new LinkedHashMap<>();
        for (Record r : rows("select n.nspname::text as schema, array("
                + "   select x.who from (select 0 as k, 'PUBLIC' as who where exists (select 1"
                + "       from aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a"
                + "       where a.grantee = 0 and a.privilege_type = 'CREATE')"
                + "     union all select 1, r.rolname::text from pg_roles r where r.rolname = any(?::text[])"
                + "       and has_schema_privilege(r.oid, n.oid, 'CREATE')) x order by x.k, x.who) as creators"
                + " from pg_namespace n", (Object) array(roles))) {
            creators.put(r.get("schema", String.class), list(r, "creators"));
        }
        return creators;
    }

    /**
     * A function whose body is resolved when it runs: its signature ({@code schema.name(types)}, quoted
     * as SQL needs), whether it is Voxanne's, whether its body is SQL-standard (bound when created), and
     * its search_path setting (null: none).
     */
    record ResolvedFunction(String signature, boolean voxannes, boolean standardBody, String searchPath) {
    }

    /**
     * Voxanne's functions in public ({@code voxanneFunctions}), the auth shim's functions where the shim
     * is Voxanne's (their comment starts with {@code shimMark} and they have the owner of
     * public.auth_org_id()), and every other SECURITY DEFINER function in public.
     */
    List<ResolvedFunction> functionsToResolve(List<String> voxanneFunctions, List<String> shimFunctions, String shimMark)
            throws SQLException {
        List<ResolvedFunction> found = new ArrayList<>();
        for (Record r : rows("select quote_ident(n.nspname) || '.' || quote_ident(p.proname)"
                + "   || '(' || oidvectortypes(p.proargtypes) || ')' as signature,"
                + " (n.nspname = 'auth' or p.proname = any(?::text[])) as voxannes,"
                + " (p.prosqlbody is not null) as standard_body,"
                + " " + SEARCH_PATH_SETTING + " as search_path"
                + " from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where (n.nspname = 'public' and (p.proname = any(?::text[]) or p.prosecdef))"
                // the shim is Voxanne's only where Voxanne made it: marked, and owned as Voxanne's own helper is
                + "    or (n.nspname = 'auth' and p.proname = any(?::text[]) and p.pronargs = 0"
                + "        and starts_with(coalesce(obj_description(p.oid, 'pg_proc'), ''), ?)"
                + "        and p.proowner = (select f.proowner from pg_proc f where f.oid = to_regprocedure('public.auth_org_id()')))"
                + " order by 1",
                array(voxanneFunctions), array(voxanneFunctions), array(shimFunctions), shimMark)) {
            found.add(new ResolvedFunction(r.get("signature", String.class), r.get("voxannes", Boolean.class),
                    r.get("standard_body", Boolean.class), r.get("search_path", String.class)));
        }
        return found;
    }

    /**
     * Who may create temporary objects in the current database: its name (quoted as SQL needs), whether
     * it has no ACL of its own, whether PUBLIC holds TEMPORARY, which of the given API roles hold it (by
     * any route), and the other roles (quoted) whose TEMPORARY an API role inherits.
     */
    record TemporaryPrivilege(String database, boolean noAcl, boolean publicHasIt, List<String> apiRoles,
            List<String> inheritedFrom) {
    }

    TemporaryPrivilege temporaryPrivilege(List<String> apiRoles) throws SQLException {
        String[] roles = array(apiRoles);
        Record r = rows("select quote_ident(d.datname) as database, (d.datacl is null) as no_acl,"
                + " exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + "   where a.grantee = 0 and a.privilege_type = 'TEMPORARY') as public_has_it,"
                + " array(select r.rolname::text from pg_roles r where r.rolname = any(?::text[])"
                + "   and has_database_privilege(r.oid, d.oid, 'TEMPORARY') order by 1) as api_roles,"
                // other roles whose TEMPORARY an API role inherits: revoking from the API role alone leaves it
                + " array(select distinct quote_ident(g.rolname)"
                + "   from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a join pg_roles g on g.oid = a.grantee"
                + "   where a.privilege_type = 'TEMPORARY' and g.oid <> d.datdba and not (g.rolname = any(?::text[]))"
                + "   and exists (select 1 from pg_roles r where r.rolname = any(?::text[]) and pg_has_role(r.oid, g.oid, 'USAGE'))"
                + "   order by 1) as inherited_from"
                + " from pg_database d where d.datname = current_database()", roles, roles, roles).get(0);
        return new TemporaryPrivilege(r.get("database", String.class), r.get("no_acl", Boolean.class),
                r.get("public_has_it", Boolean.class), list(r, "api_roles"), list(r, "inherited_from"));
    }

    /**
     * One EXECUTE grant a new function would get: from the role's global default privileges
     * ({@code global}; {@code builtin} when the role has none and the built-in default applies) or from
     * those for schema public; the grantee ({@code public} or a quoted role name) and which of the judged
     * roles it reaches.
     */
    record DefaultExecute(boolean global, boolean builtin, String grantee, List<String> reaches) {
    }

    /**
     * What EXECUTE a function the current role creates in schema public gets, computed from
     * pg_default_acl as the server computes it when the function is created: the role's global entry for
     * functions (namespace 0), or the built-in default when it has none (EXECUTE to PUBLIC and the owner),
     * merged with its entry for schema public (which can only add). The owner's own grant is left out.
     */
    List<DefaultExecute> defaultExecuteOnNewFunctions(List<String> judged) throws SQLException {
        List<DefaultExecute> grants = new ArrayList<>();
        for (Record r : rows("with me as (select r.oid, r.rolname from pg_roles r where r.rolname = current_user),"
                + " entries as ("
                + "   select true as global, coalesce((select a.defaclacl from pg_default_acl a where a.defaclrole = me.oid"
                + "       and a.defaclnamespace = 0 and a.defaclobjtype = 'f'), acldefault('f', me.oid)) as acl,"
                + "     not exists (select 1 from pg_default_acl a where a.defaclrole = me.oid"
                + "       and a.defaclnamespace = 0 and a.defaclobjtype = 'f') as builtin from me"
                + "   union all"
                + "   select false, a.defaclacl, false from pg_default_acl a, me where a.defaclrole = me.oid"
                + "     and a.defaclobjtype = 'f' and a.defaclnamespace = (select n.oid from pg_namespace n where n.nspname = 'public'))"
                + " select e.global, e.builtin,"
                + "   case when x.grantee = 0 then 'public' else quote_ident(g.rolname) end as grantee,"
                + "   array(select r.rolname::text from pg_roles r where r.rolname = any(?::text[])"
                + "     and (x.grantee = 0 or pg_has_role(r.oid, x.grantee, 'USAGE')) order by 1) as reaches"
                + " from entries e cross join lateral aclexplode(e.acl) x left join pg_roles g on g.oid = x.grantee"
                + " where x.privilege_type = 'EXECUTE' and x.grantee <> (select oid from me)"
                + " order by e.global desc, 3", (Object) array(judged))) {
            grants.add(new DefaultExecute(r.get("global", Boolean.class), r.get("builtin", Boolean.class),
                    r.get("grantee", String.class), list(r, "reaches")));
        }
        return grants;
    }

    /** The current role's name, quoted as SQL needs. */
    String currentRole() throws SQLException {
        return strings("select quote_ident(current_user)").get(0);
    }

    /** The current database's name, quoted as SQL needs. */
    String currentDatabase() throws SQLException {
        return strings("select quote_ident(current_database())").get(0);
    }

    /**
     * The value {@code role} gets for {@code setting} at login to the current database (the setting made
     * for this database wins over the role's global one); null when neither sets it.
     */
    String roleSetting(String role, String setting) throws SQLException {
        List<String> value = strings("select substr(c, length(?) + 2) from pg_db_role_setting s"
                + " join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) c"
                + " where r.rolname = ? and s.setdatabase in (0, (select d.oid from pg_database d"
                + "   where d.datname = current_database())) and split_part(c, '=', 1) = ?"
                + " order by s.setdatabase desc limit 1", setting, role, setting);
        return value.isEmpty() ? null : value.get(0);
    }

    // ---------------------------------------------------------------------------------------------
    // Collation, extensions, migration report
    // ---------------------------------------------------------------------------------------------

    /** The current database's recorded collation version and the one the server's library reports now (null: none). */
    record CollationVersions(String recorded, String actual) {
    }

    CollationVersions collationVersions() throws SQLException {
        Record r = rows("select d.datcollversion as recorded, pg_database_collation_actual_version(d.oid) as actual"
                + " from pg_database d where d.datname = current_database()").get(0);
        return new CollationVersions(r.get("recorded", String.class), r.get("actual", String.class));
    }

    /** Whether extension {@code name} is installed in the database. */
    boolean extensionInstalled(String name) throws SQLException {
        return count("select count(*) from pg_extension where extname = ?", name) > 0;
    }

    /** Whether the server has extension {@code name} available to install. */
    boolean extensionAvailable(String name) throws SQLException {
        return count("select count(*) from pg_available_extensions where name = ?", name) > 0;
    }

    /**
     * The counts a migration recorded in public.voxanne_migration_report, by item, for the given items
     * (in item order); an exception when the table is missing.
     */
    Map<String, Long> migrationReport(String migration, List<String> items) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Record r : rows("select item, count from public.voxanne_migration_report"
                + " where migration = ? and item = any(?::text[]) order by item", migration, array(items))) {
            counts.put(r.get("item", String.class), r.get("count", Long.class));
        }
        return counts;
    }
}
