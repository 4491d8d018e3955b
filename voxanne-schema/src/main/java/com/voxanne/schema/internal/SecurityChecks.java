package com.voxanne.schema.internal;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.internal.Verifier.Catalog;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks of what the API roles could do around Voxanne's functions rather than through them: shadow a
 * name a function resolves with a temporary object, create such objects at all, or be handed EXECUTE on a
 * function the migrating role creates later. Catalog reads only; each detail ends with the SQL that fixes
 * what it found.
 */
final class SecurityChecks {

    /** Item: no function of Voxanne's lets a temporary object win name resolution. */
    static final String NAME_RESOLUTION = "Function name resolution";

    /** Item: the API roles may not create temporary objects in the database. */
    static final String TEMPORARY_OBJECTS = "Temporary objects";

    /** Item: a function the verifying role creates in public is not executable by PUBLIC, anon or authenticated. */
    static final String DEFAULT_PRIVILEGES = "Default privileges on new functions";

    /** Item: a direct login as anon or authenticated runs with a statement and a lock timeout. */
    static final String ROLE_TIME_LIMITS = "API role time limits";

    /** Role, setting, the value V14 sets where the role has none. */
    private static final List<List<String>> TIME_LIMITS = List.of(
            List.of("authenticated", "statement_timeout", "8s"), List.of("authenticated", "lock_timeout", "3s"),
            List.of("anon", "statement_timeout", "3s"), List.of("anon", "lock_timeout", "1s"));

    /** The roles that must not be reached by a new function's default EXECUTE (service_role may). */
    private static final List<String> NO_DEFAULT_EXECUTE = List.of("anon", "authenticated");

    private SecurityChecks() {
    }

    private static String[] array(List<String> values) {
        return values.toArray(String[]::new);
    }

    // ---------------------------------------------------------------------------------------------
    // Function name resolution
    // ---------------------------------------------------------------------------------------------

    /**
     * A function resolves the names in its body when it runs (plpgsql, SQL with a string body) through its
     * search_path. pg_temp is searched FIRST for relations and types unless the path names it, so a
     * caller who may create temporary objects can put a table or type of the same name in front of the
     * one the function meant, and a SECURITY DEFINER function then works on it with its owner's rights.
     * Safe: a SQL-standard body (parsed when created, names bound to objects then), or a search_path
     * whose last element is pg_temp and whose others are pg_catalog or schemas no API role may create in.
     * Voxanne's functions failing this FAIL; other SECURITY DEFINER functions in public WARN (a service's
     * own, which the operator should fix but which Voxanne does not manage).
     */
    static Check nameResolution(Catalog catalog) throws SQLException {
        Map<String, String> creators = new HashMap<>();
        for (List<String> row : catalog.rows("select n.nspname, array_to_string(array("
                + "   select x.who from (select 0 as k, 'PUBLIC' as who where exists (select 1"
                + "       from aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a"
                + "       where a.grantee = 0 and a.privilege_type = 'CREATE')"
                + "     union all select 1, r.rolname::text from pg_roles r where r.rolname = any(?::text[])"
                + "       and has_schema_privilege(r.oid, n.oid, 'CREATE')) x order by x.k, x.who), ', ')"
                + " from pg_namespace n", (Object) array(Expectations.API_ROLES))) {
            creators.put(row.get(0), row.get(1));
        }
        List<List<String>> functions = catalog.rows("select quote_ident(n.nspname) || '.' || quote_ident(p.proname)"
                + "   || '(' || oidvectortypes(p.proargtypes) || ')',"
                + " (n.nspname = 'auth' or p.proname = any(?::text[]))::text,"
                + " (p.prosqlbody is not null)::text,"
                + " (select substr(s, length('search_path=') + 1) from unnest(p.proconfig) s"
                + "   where starts_with(s, 'search_path=') limit 1)"
                + " from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where (n.nspname = 'public' and (p.proname = any(?::text[]) or p.prosecdef))"
                // the shim is ours only where V2 made it: marked, and owned as Voxanne's own helper is
                + "    or (n.nspname = 'auth' and p.proname = any(?::text[]) and p.pronargs = 0"
                + "        and starts_with(coalesce(obj_description(p.oid, 'pg_proc'), ''), ?)"
                + "        and p.proowner = (select f.proowner from pg_proc f where f.oid = to_regprocedure('public.auth_org_id()')))"
                + " order by 1",
                array(Expectations.VOXANNE_FUNCTIONS), array(Expectations.VOXANNE_FUNCTIONS),
                array(Expectations.AUTH_SHIM_FUNCTIONS), Expectations.AUTH_SHIM_MARK);
        // why -> functions, so that twenty functions with the same problem read as one line
        Map<String, List<String>> ours = new LinkedHashMap<>();
        Map<String, List<String>> others = new LinkedHashMap<>();
        List<String> ourFixes = new ArrayList<>();
        List<String> otherNames = new ArrayList<>();
        int oursChecked = 0;
        for (List<String> f : functions) {
            boolean isOurs = f.get(1).equals("true");
            oursChecked += isOurs ? 1 : 0;
            String why = f.get(2).equals("true") ? null : unsafePath(f.get(3), creators);
            if (why == null) {
                continue;
            }
            if (isOurs) {
                ours.computeIfAbsent(why, k -> new ArrayList<>()).add(f.get(0));
                ourFixes.add("alter function " + f.get(0) + " set search_path = " + SearchPath.REQUIRED);
            } else {
                others.computeIfAbsent(why, k -> new ArrayList<>()).add(f.get(0));
                otherNames.add(f.get(0));
            }
        }
        String otherDetail = others.isEmpty() ? "" : "SECURITY DEFINER functions in public that Voxanne does not manage"
                + " let a temporary table or type shadow a name they use: " + grouped(others)
                + ". Qualify every name in their bodies and run: alter function <name> set search_path = "
                + SearchPath.REQUIRED + " for " + String.join(", ", otherNames);
        if (!ours.isEmpty()) {
            return Verifier.fail("a temporary table or type can shadow a name used by " + grouped(ours)
                    + ". Fix: " + String.join("; ", ourFixes)
                    + (otherDetail.isEmpty() ? "" : ". Also: " + otherDetail));
        }
        if (!others.isEmpty()) {
            return Verifier.warn(otherDetail);
        }
        return Verifier.pass(oursChecked + " functions of Voxanne's have a SQL-standard body or search_path "
                + SearchPath.REQUIRED + " (pg_temp last); no other SECURITY DEFINER function in public is exposed");
    }

    private static String grouped(Map<String, List<String>> byReason) {
        List<String> parts = new ArrayList<>();
        byReason.forEach((why, names) -> parts.add(String.join(", ", names) + " (" + why + ")"));
        return String.join("; ", parts);
    }

    /**
     * Why a function with this search_path setting ({@code null}: none) lets a temporary object win, or
     * null when it does not. {@code creators} maps each schema to the roles (and PUBLIC) that may create
     * in it, "" when none.
     */
    static String unsafePath(String setting, Map<String, String> creators) {
        if (setting == null) {
            return "no search_path of its own: the caller's applies";
        }
        SearchPath path = SearchPath.of(setting);
        List<String> schemas = path.schemas();
        if (schemas.isEmpty()) {
            return "search_path '': pg_temp is searched first";
        }
        if (!schemas.contains("pg_temp")) {
            return "search_path " + setting + ": pg_temp is not named, so it is searched first";
        }
        if (!schemas.get(schemas.size() - 1).equals("pg_temp")) {
            return "search_path " + setting + ": pg_temp is searched before "
                    + String.join(", ", schemas.subList(schemas.indexOf("pg_temp") + 1, schemas.size()));
        }
        List<String> problems = new ArrayList<>();
        for (String schema : schemas.subList(0, schemas.size() - 1)) {
            if (schema.equals("pg_catalog")) {
                continue;
            }
            if (schema.equals("pg_temp")) {
                problems.add("pg_temp is named twice");
            } else if (schema.equals("$user")) {
                problems.add("$user is the caller's own schema");
            } else if (!creators.containsKey(schema)) {
                problems.add("schema " + schema + " does not exist (whoever creates it decides what it holds)");
            } else if (!creators.get(schema).isEmpty()) {
                problems.add(creators.get(schema) + " may create in " + schema);
            }
        }
        return problems.isEmpty() ? null : "search_path " + setting + ": " + String.join(", ", problems);
    }

    /**
     * A search_path setting as PostgreSQL stores it in pg_proc.proconfig: identifiers separated by
     * commas, double-quoted where needed ({@code ""} is the empty path, {@code "$user"} the caller's
     * schema). Unquoted names are folded to lower case as the server folds them.
     */
    record SearchPath(List<String> schemas) {

        /** The setting Voxanne's functions are declared with. */
        static final String REQUIRED = String.join(", ", Expectations.SEARCH_PATH);

        static SearchPath of(String setting) {
            List<String> schemas = new ArrayList<>();
            int i = 0;
            int n = setting.length();
            while (i < n) {
                while (i < n && Character.isWhitespace(setting.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                StringBuilder name = new StringBuilder();
                if (setting.charAt(i) == '"') {
                    i++;
                    while (i < n) {
                        char ch = setting.charAt(i);
                        if (ch == '"') {
                            if (i + 1 < n && setting.charAt(i + 1) == '"') {
                                name.append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        name.append(ch);
                        i++;
                    }
                } else {
                    while (i < n && setting.charAt(i) != ',' && !Character.isWhitespace(setting.charAt(i))) {
                        name.append(setting.charAt(i));
                        i++;
                    }
                    name = new StringBuilder(name.toString().toLowerCase(Locale.ROOT));
                }
                while (i < n && setting.charAt(i) != ',') {
                    i++;
                }
                i++;
                // "" names no schema: it is how an empty search_path is stored
                if (name.length() > 0) {
                    schemas.add(name.toString());
                }
            }
            return new SearchPath(List.copyOf(schemas));
        }

        boolean isRequired() {
            return schemas.equals(Expectations.SEARCH_PATH);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Temporary objects
    // ---------------------------------------------------------------------------------------------

    /**
     * A role with TEMPORARY on the database can create temporary tables, types and functions, the objects
     * that could shadow a name a function resolves. PUBLIC holds it by default (a database without an ACL,
     * datacl NULL, has the built-in default: CONNECT and TEMPORARY for PUBLIC). For the API roles the
     * server's own has_database_privilege answers, which counts PUBLIC and inherited grants too.
     */
    static Check temporaryObjects(Catalog catalog) throws SQLException {
        List<String> row = catalog.rows("select quote_ident(d.datname), (d.datacl is null)::text,"
                + " exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + "   where a.grantee = 0 and a.privilege_type = 'TEMPORARY')::text,"
                + " array_to_string(array(select r.rolname from pg_roles r where r.rolname = any(?::text[])"
                + "   and has_database_privilege(r.oid, d.oid, 'TEMPORARY') order by 1), ', '),"
                // other roles whose TEMPORARY an API role inherits: revoking from the API role alone leaves it
                + " array_to_string(array(select distinct quote_ident(g.rolname)"
                + "   from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a join pg_roles g on g.oid = a.grantee"
                + "   where a.privilege_type = 'TEMPORARY' and g.oid <> d.datdba and not (g.rolname = any(?::text[]))"
                + "   and exists (select 1 from pg_roles r where r.rolname = any(?::text[]) and pg_has_role(r.oid, g.oid, 'USAGE'))"
                + "   order by 1), ', ')"
                + " from pg_database d where d.datname = current_database()",
                array(Expectations.API_ROLES), array(Expectations.API_ROLES), array(Expectations.API_ROLES)).get(0);
        String database = row.get(0);
        boolean noAcl = row.get(1).equals("true");
        boolean publicHasIt = row.get(2).equals("true");
        String roles = row.get(3);
        String through = row.get(4);
        if (!publicHasIt && roles.isEmpty()) {
            return Verifier.pass("neither PUBLIC nor " + String.join(", ", Expectations.API_ROLES)
                    + " may create temporary objects in database " + database);
        }
        List<String> holders = new ArrayList<>();
        if (publicHasIt) {
            holders.add(noAcl ? "PUBLIC (the database has no ACL of its own, and the default grants TEMPORARY to PUBLIC)"
                    : "PUBLIC");
        }
        if (!roles.isEmpty()) {
            holders.add(roles);
        }
        String revokeFrom = "public, " + String.join(", ", Expectations.API_ROLES) + (through.isEmpty() ? "" : ", " + through);
        return Verifier.fail(String.join(", ", holders) + " may create temporary tables, types and functions in database "
                + database + (through.isEmpty() ? "" : " (inherited from " + through + ")")
                + "; such an object can shadow a name a function resolves."
                + " Fix: revoke temporary on database " + database + " from " + revokeFrom
                + ". A database created from a template (CREATE DATABASE ... TEMPLATE) or restored from a dump does not"
                + " keep this revoke: run it again there");
    }

    // ---------------------------------------------------------------------------------------------
    // Default privileges on new functions
    // ---------------------------------------------------------------------------------------------

    /**
     * What EXECUTE a function gets when the verifying role (normally the migrating role) creates it in
     * schema public, computed from pg_default_acl as the server computes it when the function is created:
     * the role's global entry for functions (namespace 0), or the built-in default when it has none (EXECUTE
     * to PUBLIC and the owner), merged with its entry for schema public (which can only add). Read from the
     * catalog rather than by creating a function and rolling it back: verify stays read-only (it runs on a
     * standby and by a role without CREATE on public), and it executes no DDL that pgaudit would log or that
     * event triggers (PostgREST's schema reload on Supabase) would react to.
     */
    static Check defaultPrivileges(Catalog catalog) throws SQLException {
        List<List<String>> grants = catalog.rows("with me as (select r.oid, r.rolname from pg_roles r where r.rolname = current_user),"
                + " entries as ("
                + "   select 'global' as scope, coalesce((select a.defaclacl from pg_default_acl a where a.defaclrole = me.oid"
                + "       and a.defaclnamespace = 0 and a.defaclobjtype = 'f'), acldefault('f', me.oid)) as acl,"
                + "     not exists (select 1 from pg_default_acl a where a.defaclrole = me.oid"
                + "       and a.defaclnamespace = 0 and a.defaclobjtype = 'f') as builtin from me"
                + "   union all"
                + "   select 'public', a.defaclacl, false from pg_default_acl a, me where a.defaclrole = me.oid"
                + "     and a.defaclobjtype = 'f' and a.defaclnamespace = (select n.oid from pg_namespace n where n.nspname = 'public'))"
                + " select e.scope, e.builtin::text, case when x.grantee = 0 then 'public' else quote_ident(g.rolname) end,"
                + "   array_to_string(array(select r.rolname from pg_roles r where r.rolname = any(?::text[])"
                + "     and (x.grantee = 0 or pg_has_role(r.oid, x.grantee, 'USAGE')) order by 1), ', ')"
                + " from entries e cross join lateral aclexplode(e.acl) x left join pg_roles g on g.oid = x.grantee"
                + " where x.privilege_type = 'EXECUTE' and x.grantee <> (select oid from me)"
                + " order by 1, 3", (Object) array(NO_DEFAULT_EXECUTE));
        String me = catalog.list("select quote_ident(current_user)").get(0);
        // scope -> grantees to revoke from; what each grant reaches, for the detail
        Map<String, List<String>> revoke = new LinkedHashMap<>();
        List<String> found = new ArrayList<>();
        for (List<String> g : grants) {
            String scope = g.get(0);
            String grantee = g.get(2);
            String reaches = g.get(3);
            if (!grantee.equals("public") && reaches.isEmpty()) {
                continue;
            }
            revoke.computeIfAbsent(scope, k -> new ArrayList<>()).add(grantee);
            String where = scope.equals("global")
                    ? (g.get(1).equals("true") ? "built-in default, the role has no global default privileges for functions"
                            : "global default privileges")
                    : "default privileges in schema public";
            String who = grantee.equals("public") ? "PUBLIC" : grantee;
            found.add(who + (reaches.isEmpty() || reaches.equals(who) ? "" : " (so " + reaches + ")") + " by the " + where);
        }
        if (found.isEmpty()) {
            return Verifier.pass("a function " + me + " creates in schema public is executable by neither PUBLIC nor "
                    + String.join(" nor ", NO_DEFAULT_EXECUTE) + " until granted");
        }
        List<String> fixes = new ArrayList<>();
        for (Map.Entry<String, List<String>> r : revoke.entrySet()) {
            fixes.add("alter default privileges for role " + me + (r.getKey().equals("global") ? "" : " in schema public")
                    + " revoke execute on functions from " + String.join(", ", r.getValue()));
        }
        return Verifier.fail("a function " + me + " creates in schema public would be executable by " + String.join("; ", found)
                + ". Fix: " + String.join("; ", fixes));
    }

    // ---------------------------------------------------------------------------------------------
    // API role time limits
    // ---------------------------------------------------------------------------------------------

    /**
     * The statement and lock timeouts a session logging in as anon or authenticated gets (PostgREST applies
     * them on SET ROLE as well): the setting made for this database wins over the role's global one. Only
     * a WARN when one is missing or zero: the DAO's units set their own limits in every transaction, so
     * these protect direct logins only, and PostgreSQL lets any role change its own settings, so they
     * are no guarantee against a session of that role.
     */
    static Check roleTimeLimits(Catalog catalog) throws SQLException {
        String database = catalog.list("select quote_ident(current_database())").get(0);
        List<String> set = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        for (List<String> limit : TIME_LIMITS) {
            List<String> value = catalog.list("select substr(c, length(?) + 2) from pg_db_role_setting s"
                    + " join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) c"
                    + " where r.rolname = ? and s.setdatabase in (0, (select d.oid from pg_database d"
                    + "   where d.datname = current_database())) and split_part(c, '=', 1) = ?"
                    + " order by s.setdatabase desc limit 1", limit.get(1), limit.get(0), limit.get(1));
            String name = limit.get(0) + " " + limit.get(1);
            if (value.isEmpty() || value.get(0).matches("0+[a-z]*")) {
                missing.add(name + (value.isEmpty() ? " not set" : " = " + value.get(0) + " (no limit)"));
                fixes.add("alter role " + limit.get(0) + " in database " + database + " set " + limit.get(1)
                        + " = '" + limit.get(2) + "'");
            } else {
                set.add(name + " = " + value.get(0));
            }
        }
        if (missing.isEmpty()) {
            return Verifier.pass(String.join(", ", set) + " for a direct login (DAO units set their own per transaction)");
        }
        return Verifier.warn(String.join(", ", missing) + ": a direct login as that role (or PostgREST acting as it)"
                + " runs without that limit; DAO units are not affected (they set their own per transaction)."
                + " Any role may change its own settings, so check this after an incident. Fix: " + String.join("; ", fixes));
    }
}
