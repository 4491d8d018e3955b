package com.voxanne.schema.internal;

import java.sql.SQLException;
import java.util.ArrayList;
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

    /** Role, setting, and the value the migrations give the role for it (the fix where it has none). */
    private static final List<List<String>> TIME_LIMITS = List.of(
            List.of("authenticated", "statement_timeout", "8s"), List.of("authenticated", "lock_timeout", "3s"),
            List.of("anon", "statement_timeout", "3s"), List.of("anon", "lock_timeout", "1s"));

    /** The roles that must not be reached by a new function's default EXECUTE (service_role may). */
    private static final List<String> NO_DEFAULT_EXECUTE = List.of("anon", "authenticated");

    private SecurityChecks() {
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
    static Verdict nameResolution(Catalog catalog) throws SQLException {
        Map<String, List<String>> creators = catalog.schemaCreators(Expectations.API_ROLES);
        List<Catalog.ResolvedFunction> functions = catalog.functionsToResolve(Expectations.VOXANNE_FUNCTIONS,
                Expectations.AUTH_SHIM_FUNCTIONS, Expectations.AUTH_SHIM_MARK);
        // why -> functions, so that twenty functions with the same problem read as one line
        Map<String, List<String>> ours = new LinkedHashMap<>();
        Map<String, List<String>> others = new LinkedHashMap<>();
        List<String> ourFixes = new ArrayList<>();
        List<String> otherNames = new ArrayList<>();
        int oursChecked = 0;
        for (Catalog.ResolvedFunction f : functions) {
            oursChecked += f.voxannes() ? 1 : 0;
            String why = f.standardBody() ? null : unsafePath(f.searchPath(), creators);
            if (why == null) {
                continue;
            }
            if (f.voxannes()) {
                ours.computeIfAbsent(why, k -> new ArrayList<>()).add(f.signature());
                ourFixes.add("alter function " + f.signature() + " set search_path = " + SearchPath.REQUIRED);
            } else {
                others.computeIfAbsent(why, k -> new ArrayList<>()).add(f.signature());
                otherNames.add(f.signature());
            }
        }
        String otherDetail = others.isEmpty() ? "" : "SECURITY DEFINER functions in public that Voxanne does not manage"
                + " let a temporary table or type shadow a name they use: " + grouped(others)
                + ". Qualify every name in their bodies and run: alter function <name> set search_path = "
                + SearchPath.REQUIRED + " for " + String.join(", ", otherNames);
        if (!ours.isEmpty()) {
            return Verdict.fail("a temporary table or type can shadow a name used by " + grouped(ours)
                    + ". Fix: " + String.join("; ", ourFixes)
                    + (otherDetail.isEmpty() ? "" : ". Also: " + otherDetail));
        }
        if (!others.isEmpty()) {
            return Verdict.warn(otherDetail);
        }
        return Verdict.pass(oursChecked + " functions of Voxanne's have a SQL-standard body or search_path "
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
     * in it.
     */
    static String unsafePath(String setting, Map<String, List<String>> creators) {
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
                problems.add(String.join(", ", creators.get(schema)) + " may create in " + schema);
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
    static Verdict temporaryObjects(Catalog catalog) throws SQLException {
        Catalog.TemporaryPrivilege temporary = catalog.temporaryPrivilege(Expectations.API_ROLES);
        String database = temporary.database();
        boolean publicHasIt = temporary.publicHasIt();
        String roles = String.join(", ", temporary.apiRoles());
        String through = String.join(", ", temporary.inheritedFrom());
        if (!publicHasIt && roles.isEmpty()) {
            return Verdict.pass("neither PUBLIC nor " + String.join(", ", Expectations.API_ROLES)
                    + " may create temporary objects in database " + database);
        }
        List<String> holders = new ArrayList<>();
        if (publicHasIt) {
            holders.add(temporary.noAcl() ? "PUBLIC (the database has no ACL of its own, and the default grants TEMPORARY to PUBLIC)"
                    : "PUBLIC");
        }
        if (!roles.isEmpty()) {
            holders.add(roles);
        }
        String revokeFrom = "public, " + String.join(", ", Expectations.API_ROLES) + (through.isEmpty() ? "" : ", " + through);
        return Verdict.fail(String.join(", ", holders) + " may create temporary tables, types and functions in database "
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
    static Verdict defaultPrivileges(Catalog catalog) throws SQLException {
        List<Catalog.DefaultExecute> grants = catalog.defaultExecuteOnNewFunctions(NO_DEFAULT_EXECUTE);
        String me = catalog.currentRole();
        // scope -> grantees to revoke from; what each grant reaches, for the detail
        Map<String, List<String>> revoke = new LinkedHashMap<>();
        List<String> found = new ArrayList<>();
        for (Catalog.DefaultExecute g : grants) {
            String scope = g.global() ? "global" : "public";
            String grantee = g.grantee();
            String reaches = String.join(", ", g.reaches());
            if (!grantee.equals("public") && reaches.isEmpty()) {
                continue;
            }
            revoke.computeIfAbsent(scope, k -> new ArrayList<>()).add(grantee);
            String where = g.global()
                    ? (g.builtin() ? "built-in default, the role has no global default privileges for functions"
                            : "global default privileges")
                    : "default privileges in schema public";
            String who = grantee.equals("public") ? "PUBLIC" : grantee;
            found.add(who + (reaches.isEmpty() || reaches.equals(who) ? "" : " (so " + reaches + ")") + " by the " + where);
        }
        if (found.isEmpty()) {
            return Verdict.pass("a function " + me + " creates in schema public is executable by neither PUBLIC nor "
                    + String.join(" nor ", NO_DEFAULT_EXECUTE) + " until granted");
        }
        List<String> fixes = new ArrayList<>();
        for (Map.Entry<String, List<String>> r : revoke.entrySet()) {
            fixes.add("alter default privileges for role " + me + (r.getKey().equals("global") ? "" : " in schema public")
                    + " revoke execute on functions from " + String.join(", ", r.getValue()));
        }
        return Verdict.fail("a function " + me + " creates in schema public would be executable by " + String.join("; ", found)
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
    static Verdict roleTimeLimits(Catalog catalog) throws SQLException {
        String database = catalog.currentDatabase();
        List<String> set = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        for (List<String> limit : TIME_LIMITS) {
            String value = catalog.roleSetting(limit.get(0), limit.get(1));
            String name = limit.get(0) + " " + limit.get(1);
            if (value == null || value.matches("0+[a-z]*")) {
                missing.add(name + (value == null ? " not set" : " = " + value + " (no limit)"));
                fixes.add("alter role " + limit.get(0) + " in database " + database + " set " + limit.get(1)
                        + " = '" + limit.get(2) + "'");
            } else {
                set.add(name + " = " + value);
            }
        }
        if (missing.isEmpty()) {
            return Verdict.pass(String.join(", ", set) + " for a direct login (DAO units set their own per transaction)");
        }
        return Verdict.warn(String.join(", ", missing) + ": a direct login as that role (or PostgREST acting as it)"
                + " runs without that limit; DAO units are not affected (they set their own per transaction)."
                + " Any role may change its own settings, so check this after an incident. Fix: " + String.join("; ", fixes));
    }
}
