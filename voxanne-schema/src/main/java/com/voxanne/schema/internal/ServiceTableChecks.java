package com.voxanne.schema.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks of the tables in schema public that are neither Voxanne's nor an extension's: a service's,
 * migrated beside Voxanne. They get items of their own, so that an operator sees whose table failed.
 * Three kinds:
 * <ul>
 *   <li>migration history tables: Voxanne's, the configured services', and any table shaped like a
 *       Flyway history table (without org_id). No tenant data, so no row-level security is asked of them;
 *       but no API role may read or write them;</li>
 *   <li>a service's tenant tables: any other table with an org_id column. They are asked what Voxanne's
 *       tenant tables are: RLS enabled and forced, policies for authenticated and service_role only,
 *       nothing for anon;</li>
 *   <li>a service's other tables (no org_id): not tenant data as far as the catalog can tell.</li>
 * </ul>
 * Catalog reads only. Table names are given bare, as Voxanne's items give theirs (all are in public).
 */
final class ServiceTableChecks {

    /** The privileges has_table_privilege is asked for, one at a time (a list answers "any of them"). */
    private static final List<String> PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
            "REFERENCES", "TRIGGER");

    /** The tables and views of schema public that are not Voxanne's, with what decides their kind. */
    private static final String RELATIONS = "with rel as (select c.oid, c.relname, c.relkind,"
            + "   exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id'"
            + "     and a.attnum > 0 and not a.attisdropped) as tenant,"
            + "   (select count(*) from pg_attribute a where a.attrelid = c.oid and a.attname = any(?::text[])"
            + "     and a.attnum > 0 and not a.attisdropped) = cardinality(?::text[]) as flyway_shaped"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')"
            // an extension's own relations (Citus's citus_tables and citus_schemas views) are no service's
            + "   and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid"
            + "     and d.deptype = 'e'))"
            // a history table is one by name (Voxanne's, a configured service's) or by shape; a table with
            // org_id is tenant data whatever else it looks like
            + " , kind as (select rel.*, case"
            + "     when rel.relname = any(?::text[]) or (rel.relkind in ('r', 'p') and rel.flyway_shaped and not rel.tenant)"
            + "       then 'history'"
            + "     when rel.relname = any(?::text[]) then 'voxanne'"
            + "     when rel.relkind in ('r', 'p') and rel.tenant then 'tenant'"
            + "     when rel.relkind in ('r', 'p') then 'other'"
            + "     else 'view' end as kind from rel)";

    private final Catalog catalog;
    private final List<String> historyTables;

    /**
     * @param historyTables Voxanne's history table and the configured services' (history tables by name,
     *     whatever their shape)
     */
    ServiceTableChecks(Catalog catalog, List<String> historyTables) {
        this.catalog = catalog;
        this.historyTables = historyTables;
    }

    /** The tables (or views) of one kind, with one more condition on {@code kind} (alias of the row). */
    private List<String> names(String kind, String condition, Object... params) throws SQLException {
        Object[] all = new Object[4 + params.length];
        all[0] = array(Expectations.FLYWAY_HISTORY_COLUMNS);
        all[1] = array(Expectations.FLYWAY_HISTORY_COLUMNS);
        all[2] = array(historyTables);
        all[3] = array(Expectations.VOXANNE_TABLES);
        System.arraycopy(params, 0, all, 4, params.length);
        return catalog.strings(RELATIONS + " select k.relname from kind k where k.kind = '" + kind + "' and (" + condition
                + ") order by 1", all);
    }

    private static String[] array(List<String> values) {
        return values.toArray(String[]::new);
    }

    /** A condition: {@code role} holds any table privilege on {@code k}, through PUBLIC and memberships too. */
    private static String anyPrivilege(String role) {
        List<String> each = new ArrayList<>();
        for (String privilege : PRIVILEGES) {
            each.add("has_table_privilege('" + role + "', k.oid, '" + privilege + "')");
        }
        return "(" + String.join(" or ", each) + ")";
    }

    /** What {@code role} may do on {@code public.table}, e.g. {@code SELECT, INSERT}. */
    private String privileges(String role, String table) throws SQLException {
        List<String> held = new ArrayList<>();
        for (String privilege : PRIVILEGES) {
            if (catalog.count("select count(*) from pg_class c where c.oid = to_regclass(?)"
                    + " and has_table_privilege(?, c.oid, ?)", "public." + quote(table), role, privilege) > 0) {
                held.add(privilege);
            }
        }
        return String.join(", ", held);
    }

    /** As SQL names it: a service's table may have any name, quoted only where it must be. */
    private static String quote(String name) {
        return name.matches("[a-z_][a-z0-9_]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Tenant tables of a service: RLS enabled and forced, as Voxanne's item asks of Voxanne's. */
    Verdict tenantRls() throws SQLException {
        List<String> all = names("tenant", "true");
        if (all.isEmpty()) {
            return Verdict.pass("no table of a service in public has org_id");
        }
        List<String> open = names("tenant", "not (select c.relrowsecurity and c.relforcerowsecurity from pg_class c"
                + " where c.oid = k.oid)");
        if (open.isEmpty()) {
            return Verdict.pass("all " + all.size() + " tables with org_id that are not Voxanne's: " + all);
        }
        List<String> fixes = new ArrayList<>();
        for (String table : open) {
            fixes.add("alter table public." + quote(table) + " enable row level security, force row level security");
        }
        return Verdict.fail("not enabled and forced on " + open + " (tables with org_id, not Voxanne's: tenant data"
                + " of a service). Fix: " + String.join("; ", fixes));
    }

    /**
     * Tenant tables of a service: every policy is for authenticated or service_role (one for PUBLIC or
     * anon applies to anyone); a policy for authenticated that names neither the caller's organization
     * nor the caller is a WARN, since it may let one organization's users see another's rows.
     */
    Verdict tenantPolicies() throws SQLException {
        List<String> tenants = names("tenant", "true");
        if (tenants.isEmpty()) {
            return Verdict.pass("no table of a service in public has org_id");
        }
        String[] tables = array(tenants);
        List<String> open = catalog.strings("select tablename || '.' || policyname from pg_policies where schemaname = 'public'"
                + " and tablename = any(?::text[]) and not (roles <@ array['authenticated', 'service_role']::name[])"
                + " order by 1", (Object) tables);
        if (!open.isEmpty()) {
            return Verdict.fail("policies not limited to authenticated/service_role: " + open
                    + " (a policy TO public or anon applies to every role)");
        }
        List<String> unscoped = catalog.strings("select tablename || '.' || policyname from pg_policies"
                + " where schemaname = 'public' and tablename = any(?::text[]) and 'authenticated' = any(roles)"
                + " and coalesce(qual, '') || ' ' || coalesce(with_check, '') !~ '(auth_org_id|auth_user_id|uid)\\(\\)'"
                + " order by 1", (Object) tables);
        if (!unscoped.isEmpty()) {
            return Verdict.warn("policies for authenticated that name neither auth_org_id() nor the caller"
                    + " (auth_user_id(), auth.uid()): " + unscoped + "; make sure they keep each organization's rows"
                    + " to its own users, e.g. using (org_id = (select public.auth_org_id()))");
        }
        return Verdict.pass("policies on " + tenants + " only for authenticated and service_role");
    }

    /** anon holds nothing on a service's tables or views, as on Voxanne's (history tables: {@link #history}). */
    Verdict anon() throws SQLException {
        List<String> exposed = new ArrayList<>();
        for (String kind : List.of("tenant", "other", "view")) {
            for (String table : names(kind, anyPrivilege("anon"))) {
                exposed.add(table + " (" + privileges("anon", table) + ")");
            }
        }
        if (exposed.isEmpty()) {
            return Verdict.pass("anon is granted nothing on any table or view of a service in public");
        }
        return Verdict.fail("anon holds privileges on " + exposed + " (on Supabase, the platform's default privileges"
                + " grant them on every new table in public). Fix: revoke all on <table> from anon"
                + " (and from public, when granted to PUBLIC)");
    }

    /**
     * A service's table without org_id is not tenant data as far as the catalog can tell; one that
     * authenticated may use without row-level security is shared by every organization's users. A WARN:
     * a catalog of services or a settings table is legitimately shared, patient data is not.
     */
    Verdict notTenantKeyed() throws SQLException {
        List<String> others = names("other", "true");
        if (others.isEmpty()) {
            return Verdict.pass("no table of a service in public is without org_id");
        }
        List<String> shared = new ArrayList<>();
        for (String table : names("other", anyPrivilege("authenticated")
                + " and not (select c.relrowsecurity from pg_class c where c.oid = k.oid)")) {
            shared.add(table + " (" + privileges("authenticated", table) + ")");
        }
        if (shared.isEmpty()) {
            return Verdict.pass(others.size() + " tables without org_id, none open to authenticated without row-level"
                    + " security: " + others);
        }
        return Verdict.warn("not tenant-keyed (no org_id) and open to authenticated without row-level security: "
                + shared + ": every user of every organization may use these rows. If they belong to an"
                + " organization, add org_id, enable and force row-level security and scope the policies; if they"
                + " are shared on purpose, grant authenticated SELECT only");
    }

    /**
     * No API role may read or write a migration history table. A FAIL, not a WARN: a write changes what
     * the next migrate runs as the migrating role (a deleted row is applied again, a forged future version
     * stops every deployment), and a read tells any caller the exact schema version, every script name and
     * the migrating role; on Supabase anon's key is public and the platform grants anon and authenticated
     * ALL on new tables, so an unprotected history table is open to the internet through the REST API.
     * service_role is not judged: it already bypasses row-level security everywhere.
     */
    Verdict history() throws SQLException {
        List<String> all = names("history", "true");
        List<String> exposed = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        for (String table : names("history", anyPrivilege("anon") + " or " + anyPrivilege("authenticated"))) {
            List<String> who = new ArrayList<>();
            for (String role : List.of("anon", "authenticated")) {
                String held = privileges(role, table);
                if (!held.isEmpty()) {
                    who.add(role + ": " + held);
                }
            }
            exposed.add(table + " (" + String.join("; ", who) + ")");
            fixes.add("revoke all on public." + quote(table) + " from public, anon, authenticated");
        }
        if (!exposed.isEmpty()) {
            return Verdict.fail("API roles may read or write migration history: " + exposed
                    + " (a write changes what the next migrate runs). Fix: " + String.join("; ", fixes)
                    + " (VoxanneSchema's serviceMigrations does this when it migrates)");
        }
        return Verdict.pass(all.isEmpty() ? "no migration history table in public"
                : "no privilege for anon or authenticated on " + all + " (history tables need no row-level security)");
    }
}
