package com.voxanne.schema.internal;

import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.schema.session.RequestClaims;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Voxanne's verification checklist, run against a live database. Catalog checks read pg_catalog;
 * behavioural probes (isolation, immutability, the helper functions) run as the API roles inside one
 * transaction that is always rolled back, so verifying leaves no trace.
 */
final class Verifier {

    private final DataSource dataSource;
    /** Voxanne's history table and the configured services': history tables by name, whatever their shape. */
    private final List<String> historyTables;

    /** The checklist on {@code dataSource}; {@code serviceHistoryTables} are the configured services'. */
    Verifier(DataSource dataSource, List<String> serviceHistoryTables) {
        this.dataSource = dataSource;
        List<String> tables = new ArrayList<>(List.of(com.voxanne.schema.VoxanneSchema.HISTORY_TABLE));
        tables.addAll(serviceHistoryTables);
        this.historyTables = List.copyOf(tables);
    }

    /** Runs the checklist; {@code history} are the migration-history lines, computed by the caller. */
    VerifyReport run(List<Check> history) {
        List<Check> checks = new ArrayList<>(history);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Catalog catalog = new Catalog(c);
                checks.add(guard("Tables and columns", () -> tables(catalog)));
                checks.add(guard("Enums", () -> enums(catalog)));
                checks.add(guard("Index names", () -> indexes(catalog)));
                checks.add(guard("RLS enabled and forced", () -> rls(catalog)));
                checks.add(guard("Policies", () -> policies(catalog)));
                checks.add(guard("org_id immutability triggers", () -> triggers(catalog, "org_id_immutable_",
                        Expectations.TENANT_TABLES, "prevent_org_id_change")));
                checks.add(guard("updated_at triggers", () -> triggers(catalog, "set_updated_at_",
                        Expectations.UPDATED_AT_TABLES, "set_updated_at")));
                checks.add(guard("Indexes led by org_id", () -> orgLedIndexes(catalog)));
                checks.add(guard("Foreign keys", () -> foreignKeys(catalog)));
                checks.add(guard("Unique constraints (contacts.phone)", () -> phoneUnique(catalog)));
                checks.add(guard("Webhook events unique per (org_id, event_id)", () -> webhookUnique(catalog)));
                checks.add(guard("Service role can access all tables", () -> serviceRole(catalog)));
                checks.add(guard("anon has no table privileges", () -> anonTables(catalog)));
                checks.add(guard("API roles", () -> apiRoles(catalog)));
                checks.add(guard("Function grants and search_path", () -> functionSecurity(catalog)));
                checks.add(guard(SecurityChecks.NAME_RESOLUTION, () -> SecurityChecks.nameResolution(catalog)));
                checks.add(guard(SecurityChecks.TEMPORARY_OBJECTS, () -> SecurityChecks.temporaryObjects(catalog)));
                checks.add(guard(SecurityChecks.DEFAULT_PRIVILEGES, () -> SecurityChecks.defaultPrivileges(catalog)));
                checks.add(guard(SecurityChecks.ROLE_TIME_LIMITS, () -> SecurityChecks.roleTimeLimits(catalog)));
                checks.add(guard("Contact search function", () -> searchFunction(catalog)));
                checks.add(guard("Contact search index", () -> searchIndex(catalog)));
                checks.add(guard("Collation version (text indexes)", () -> collationVersion(catalog)));
                checks.add(guard("Audit triggers", () -> triggers(catalog, "audit_",
                        List.of("organizations", "contacts", "appointments", "notifications", "processed_webhook_events"),
                        "audit_row_change")));
                checks.add(guard("Audit logging enabled (pgaudit)", () -> pgaudit(catalog)));
                checks.add(guard("Legacy webhook backfill", () -> backfillReport(catalog)));
                ServiceTableChecks services = new ServiceTableChecks(catalog, historyTables);
                checks.add(guard(ServiceTableChecks.HISTORY, services::history));
                checks.add(guard(ServiceTableChecks.TENANT_RLS, services::tenantRls));
                checks.add(guard(ServiceTableChecks.TENANT_POLICIES, services::tenantPolicies));
                checks.add(guard(ServiceTableChecks.ANON, services::anon));
                checks.add(guard(ServiceTableChecks.NOT_TENANT_KEYED, services::notTenantKeyed));
                Probes probes = new Probes(c);
                probes.seed();
                checks.add(probes.run("org_id immutable (probe)", probes::immutableOrgId));
                checks.add(probes.run("Authenticated users see only their org's data (probe)", probes::orgIsolation));
                checks.add(probes.run("Notifications are user-specific (probe)", probes::userNotifications));
                checks.add(probes.run("Contact search stays in the caller's organization (probe)", probes::searchIsolation));
                checks.add(probes.run("Audit functions work (probe)", probes::auditFunctions));
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            checks.add(new Check("Connection", Status.FAIL, "cannot verify: " + SqlFailures.describe(e)));
        }
        return new VerifyReport(checks);
    }

    @FunctionalInterface
    interface CheckBody {
        Check run() throws SQLException;
    }

    private static Check guard(String item, CheckBody body) {
        try {
            Check check = body.run();
            return new Check(item, check.status(), check.reason());
        } catch (SQLException e) {
            return new Check(item, Status.FAIL, "could not be checked: " + SqlFailures.describe(e));
        }
    }

    private static Check verdict(List<String> problems, String passReason) {
        return problems.isEmpty() ? pass(passReason) : fail(String.join("; ", problems));
    }

    static Check pass(String reason) {
        return new Check("", Status.PASS, reason);
    }

    static Check fail(String reason) {
        return new Check("", Status.FAIL, reason);
    }

    static Check warn(String reason) {
        return new Check("", Status.WARN, reason);
    }

    private static Check tables(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> table : Expectations.TABLES.entrySet()) {
            Set<String> columns = catalog.set("select a.attname from pg_attribute a where a.attrelid = to_regclass(?)"
                    + " and a.attnum > 0 and not a.attisdropped", "public." + table.getKey());
            if (columns.isEmpty()) {
                problems.add("missing table " + table.getKey());
                continue;
            }
            List<String> missing = new ArrayList<>(table.getValue());
            missing.removeAll(columns);
            if (!missing.isEmpty()) {
                problems.add(table.getKey() + " lacks " + missing);
            }
        }
        return verdict(problems, Expectations.TABLES.size() + " tables with every expected column");
    }

    private static Check enums(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : Expectations.ENUMS.entrySet()) {
            List<String> labels = catalog.list("select e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid"
                    + " join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public' and t.typname = ?"
                    + " order by e.enumsortorder", e.getKey());
            if (!labels.equals(e.getValue())) {
                problems.add(e.getKey() + (labels.isEmpty() ? " is missing" : " has " + labels + ", expected " + e.getValue()));
            }
        }
        return verdict(problems, Expectations.ENUMS.size() + " enums with the expected values");
    }

    private static Check indexes(Catalog catalog) throws SQLException {
        Set<String> present = catalog.set("select indexname from pg_indexes where schemaname = 'public'");
        List<String> missing = new ArrayList<>(Expectations.INDEXES);
        missing.removeAll(present);
        return missing.isEmpty() ? pass(Expectations.INDEXES.size() + " named indexes present") : fail("missing " + missing);
    }

    /** Voxanne's tables; a service's are {@link ServiceTableChecks}'. */
    private static Check rls(Catalog catalog) throws SQLException {
        Object ours = Expectations.VOXANNE_TABLES.toArray(String[]::new);
        List<String> notEnabled = catalog.list("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any(?::text[])"
                + " and not (c.relrowsecurity and c.relforcerowsecurity) order by 1", ours);
        int total = catalog.count("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any(?::text[])", ours);
        return notEnabled.isEmpty() ? pass("all " + total + " of Voxanne's tables in public")
                : fail("not enabled and forced on " + notEnabled);
    }

    private static Check policies(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        List<String> open = catalog.list("select tablename || '.' || policyname from pg_policies where schemaname = 'public'"
                + " and tablename = any(?::text[])"
                + " and not (roles <@ array['authenticated', 'service_role']::name[]) order by 1",
                (Object) Expectations.VOXANNE_TABLES.toArray(String[]::new));
        if (!open.isEmpty()) {
            problems.add("policies not limited to authenticated/service_role: " + open);
        }
        for (String table : Expectations.USER_TABLES) {
            Set<String> commands = catalog.set("select cmd from pg_policies where schemaname = 'public' and tablename = ?"
                    + " and roles = array['authenticated']::name[]", table);
            if (!commands.contains("SELECT")) {
                problems.add(table + " has no SELECT policy for authenticated");
            }
            int unscoped = catalog.count("select count(*) from pg_policies where schemaname = 'public' and tablename = ?"
                    + " and roles = array['authenticated']::name[] and coalesce(qual, with_check) not like"
                    + " '%( SELECT auth_org_id()%'", table);
            if (unscoped > 0) {
                problems.add(table + " has " + unscoped + " authenticated polic(ies) not scoped by (select auth_org_id())");
            }
        }
        for (String table : Expectations.TENANT_TABLES) {
            if (catalog.count("select count(*) from pg_policies where schemaname = 'public' and tablename = ? and cmd = 'ALL'"
                    + " and roles = array['service_role']::name[]", table) == 0) {
                problems.add(table + " has no service_role policy");
            }
        }
        return verdict(problems, "one policy per command, TO authenticated scoped by (select auth_org_id()), plus service_role");
    }

    private static Check triggers(Catalog catalog, String prefix, List<String> tables, String function) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String table : tables) {
            int found = catalog.count("select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid"
                    + " where t.tgrelid = to_regclass(?) and t.tgname like ? and p.proname = ? and t.tgenabled <> 'D'",
                    "public." + table, prefix + "%", function);
            if (found == 0) {
                missing.add(table);
            }
        }
        return missing.isEmpty() ? pass(prefix + "* calling " + function + "() on " + tables)
                : fail("missing or disabled on " + missing);
    }

    private static Check orgLedIndexes(Catalog catalog) throws SQLException {
        List<String> notLed = new ArrayList<>();
        for (String table : Expectations.TENANT_TABLES) {
            notLed.addAll(catalog.list("select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid"
                    + " join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[0]"
                    + " where x.indrelid = to_regclass(?) and not x.indisprimary and a.attname <> 'org_id' order by 1",
                    "public." + table));
        }
        return notLed.isEmpty() ? pass("every secondary index of a tenant table starts with org_id")
                : fail("not led by org_id: " + notLed);
    }

    private static Check foreignKeys(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String table : Expectations.TENANT_TABLES) {
            if (catalog.count("select count(*) from pg_constraint where conrelid = to_regclass(?) and contype = 'f'"
                    + " and confrelid = 'public.organizations'::regclass", "public." + table) == 0) {
                problems.add(table + ".org_id does not reference organizations");
            }
        }
        if (catalog.count("select count(*) from pg_constraint k where k.conrelid = to_regclass('public.appointments')"
                + " and k.contype = 'f' and k.confrelid = to_regclass('public.contacts')"
                + " and pg_get_constraintdef(k.oid) like 'FOREIGN KEY (org_id, contact_id) REFERENCES contacts(org_id, id)%'") == 0) {
            problems.add("appointments lacks the composite key (org_id, contact_id) -> contacts(org_id, id)");
        }
        if (catalog.count("select count(*) from pg_constraint where conrelid = to_regclass('public.notifications')"
                + " and contype = 'f' and confrelid = to_regclass('auth.users')") == 0) {
            problems.add("notifications.user_id does not reference auth.users");
        }
        return verdict(problems, "org_id -> organizations everywhere; tenant-safe composite keys");
    }

    private static Check phoneUnique(Catalog catalog) throws SQLException {
        int found = catalog.count("select count(*) from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " where i.relname = 'uq_contacts_org_phone' and x.indisunique"
                + " and pg_get_indexdef(x.indexrelid) like '%(org_id, phone) WHERE (phone IS NOT NULL)%'");
        return found == 1 ? pass("uq_contacts_org_phone: unique (org_id, phone) where phone is not null")
                : fail("uq_contacts_org_phone is missing or not unique on (org_id, phone) where phone is not null");
    }

    private static Check webhookUnique(Catalog catalog) throws SQLException {
        List<String> composite = catalog.list("select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " where x.indrelid = to_regclass('public.processed_webhook_events') and x.indisunique and x.indpred is null"
                + " and pg_get_indexdef(x.indexrelid) like '%(org_id, event_id)'");
        List<String> global = catalog.list("select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid"
                + " where x.indrelid = to_regclass('public.processed_webhook_events') and x.indisunique"
                + " and pg_get_indexdef(x.indexrelid) like '%(event_id)'");
        if (composite.isEmpty()) {
            return fail("no unique index on (org_id, event_id)");
        }
        return global.isEmpty() ? pass(composite.get(0) + " on (org_id, event_id); no global unique on event_id")
                : fail("a global unique on event_id remains: " + global);
    }

    private static Check serviceRole(Catalog catalog) throws SQLException {
        List<String> denied = catalog.list("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind = 'r' and c.relname = any(?::text[])"
                // has_table_privilege with a list is true when ANY of them is held, so ask one at a time.
                + " and not (has_table_privilege('service_role', c.oid, 'select')"
                + " and has_table_privilege('service_role', c.oid, 'insert')"
                + " and has_table_privilege('service_role', c.oid, 'update')"
                + " and has_table_privilege('service_role', c.oid, 'delete')) order by 1",
                (Object) Expectations.TENANT_TABLES.toArray(String[]::new));
        return denied.isEmpty() ? pass("service_role may read and write every tenant table")
                : fail("service_role lacks privileges on " + denied);
    }

    /** Voxanne's tables; a service's tables and views are {@link ServiceTableChecks#anon}'s. */
    private static Check anonTables(Catalog catalog) throws SQLException {
        List<String> exposed = catalog.list("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = 'public' and c.relkind in ('r', 'p', 'v') and c.relname = any(?::text[])"
                + " and exists (select 1 from aclexplode(c.relacl) a join pg_roles r on r.oid = a.grantee"
                + " where r.rolname = 'anon') order by 1", (Object) Expectations.VOXANNE_TABLES.toArray(String[]::new));
        return exposed.isEmpty() ? pass("anon is granted nothing on any of Voxanne's tables")
                : fail("anon holds privileges on " + exposed);
    }

    /** What V9 recorded of the legacy backfill: orphans and conflicts deserve an operator's look. */
    private static Check backfillReport(Catalog catalog) throws SQLException {
        List<String> rows = catalog.list("select item || '=' || count from public.voxanne_migration_report"
                + " where migration = 'V9' and item in ('rows_total', 'orphans_to_default_org', 'conflicts') order by item");
        if (rows.isEmpty()) {
            return fail("V9 left no report in public.voxanne_migration_report");
        }
        boolean attention = rows.stream().anyMatch(r -> (r.startsWith("orphans") || r.startsWith("conflicts"))
                && !r.endsWith("=0"));
        String summary = String.join(", ", rows);
        return attention ? warn(summary + " (orphans went to the default organization; see voxanne_migration_report)")
                : pass(summary);
    }

    private static Check apiRoles(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        List<String> found = catalog.list("select rolname || ':' || rolcanlogin || ':' || rolbypassrls || ':' || rolsuper"
                + " from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1");
        for (String expected : List.of("anon:false:false:false", "authenticated:false:false:false", "service_role:false:true:false")) {
            if (!found.contains(expected)) {
                problems.add("expected role " + expected.replace(":", " login/bypassrls/superuser="));
            }
        }
        return verdict(problems, "anon and authenticated NOLOGIN; service_role NOLOGIN BYPASSRLS");
    }

    private static Check functionSecurity(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        String definers = "from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prosecdef";
        List<String> noPath = catalog.list("select p.proname " + definers
                + " and not exists (select 1 from unnest(p.proconfig) s where s like 'search_path=%') order by 1");
        if (!noPath.isEmpty()) {
            problems.add("SECURITY DEFINER without fixed search_path: " + noPath);
        }
        List<String> notOurPath = new ArrayList<>();
        for (List<String> row : catalog.rows("select p.proname, (select substr(s, length('search_path=') + 1) from unnest(p.proconfig) s"
                + " where starts_with(s, 'search_path=') limit 1) " + definers + " and p.proname = any(?::text[]) order by 1",
                (Object) Expectations.VOXANNE_FUNCTIONS.toArray(String[]::new))) {
            if (row.get(1) != null && !SecurityChecks.SearchPath.of(row.get(1)).isRequired()) {
                notOurPath.add(row.get(0));
            }
        }
        if (!notOurPath.isEmpty()) {
            problems.add("SECURITY DEFINER with a search_path other than " + SecurityChecks.SearchPath.REQUIRED + ": "
                    + notOurPath + " (alter function ... set search_path = " + SecurityChecks.SearchPath.REQUIRED + ")");
        }
        List<String> publicExec = catalog.list("select p.proname " + definers
                + " and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0"
                + " and a.privilege_type = 'EXECUTE')) order by 1");
        if (!publicExec.isEmpty()) {
            problems.add("SECURITY DEFINER executable by PUBLIC: " + publicExec);
        }
        List<String> anonExec = catalog.list("select p.proname " + definers
                + " and has_function_privilege('anon', p.oid, 'execute') order by 1");
        if (!anonExec.isEmpty()) {
            problems.add("SECURITY DEFINER executable by anon: " + anonExec);
        }
        List<String> tooOpen = catalog.list("select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                + " where n.nspname = 'public' and p.proname = any(?::text[])"
                + " and has_function_privilege('authenticated', p.oid, 'execute') order by 1",
                (Object) Expectations.SERVICE_ONLY_FUNCTIONS.toArray(String[]::new));
        if (!tooOpen.isEmpty()) {
            problems.add("service-only helpers executable by authenticated: " + tooOpen);
        }
        List<String> weakOwners = catalog.list("select distinct r.rolname " + definers.replace("where", "join pg_roles r on"
                + " r.oid = p.proowner where") + " and not (r.rolsuper or r.rolbypassrls) order by 1");
        if (!weakOwners.isEmpty()) {
            problems.add("SECURITY DEFINER functions owned by roles that do not bypass RLS (they fail on forced RLS): " + weakOwners);
        }
        int count = catalog.count("select count(*) " + definers);
        return verdict(problems, count + " SECURITY DEFINER functions: fixed search_path (Voxanne's: "
                + SecurityChecks.SearchPath.REQUIRED + "), no PUBLIC or anon EXECUTE");
    }

    /** How a function is declared, as far as the checks below care; read by {@link #declaration}. */
    private record FunctionDeclaration(boolean securityDefiner, String volatility, List<String> settings,
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
    private static FunctionDeclaration declaration(Catalog catalog, String signature) throws SQLException {
        List<String> found = catalog.list("select p.prosecdef::text || '|' || p.provolatile::text || '|'"
                // a setting may itself hold commas (search_path=pg_catalog, pg_temp): separate them by a control character
                + " || coalesce(array_to_string(p.proconfig, chr(31)), '') || '|'"
                + " || has_function_privilege('authenticated', p.oid, 'execute')::text || '|'"
                + " || has_function_privilege('service_role', p.oid, 'execute')::text || '|'"
                + " || has_function_privilege('anon', p.oid, 'execute')::text || '|'"
                + " || exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
                + "            where a.grantee = 0 and a.privilege_type = 'EXECUTE')::text"
                + " from pg_proc p where p.oid = to_regprocedure(?)", signature);
        if (found.isEmpty()) {
            return null;
        }
        String[] f = found.get(0).split("\\|", -1);
        return new FunctionDeclaration(f[0].equals("true"), f[1], f[2].isEmpty() ? List.of() : List.of(f[2].split("\u001f")),
                f[3].equals("true"), f[4].equals("true"), f[5].equals("true"), f[6].equals("true"));
    }

    /**
     * search_contact_ids bypasses RLS as its owner, so how it is declared is part of the isolation:
     * SECURITY DEFINER with search_path = pg_catalog, pg_temp, executable by authenticated and service_role, not by
     * PUBLIC or anon. (Its organization filter is checked by a probe.)
     */
    private static Check searchFunction(Catalog catalog) throws SQLException {
        FunctionDeclaration f = declaration(catalog, Expectations.SEARCH_FUNCTION);
        if (f == null) {
            return fail(Expectations.SEARCH_FUNCTION + " is missing");
        }
        List<String> problems = new ArrayList<>();
        if (!f.securityDefiner()) {
            problems.add("not SECURITY DEFINER (under RLS its ILIKE and token conditions could not use an index)");
        }
        if (!f.volatility().equals("s")) {
            problems.add("not STABLE");
        }
        if (!f.requiredSearchPath()) {
            problems.add("search_path is not fixed to " + SecurityChecks.SearchPath.REQUIRED + " (settings: " + f.describeSettings()
                    + "; alter function " + Expectations.SEARCH_FUNCTION + " set search_path = " + SecurityChecks.SearchPath.REQUIRED + ")");
        }
        if (!f.authenticatedMayExecute()) {
            problems.add("authenticated may not execute it");
        }
        if (!f.serviceRoleMayExecute()) {
            problems.add("service_role may not execute it");
        }
        if (f.publicMayExecute()) {
            problems.add("PUBLIC may execute it");
        } else if (f.anonMayExecute()) {
            problems.add("anon may execute it");
        }
        return problems.isEmpty()
                ? pass(Expectations.SEARCH_FUNCTION + ": SECURITY DEFINER, STABLE, search_path " + SecurityChecks.SearchPath.REQUIRED
                        + ", EXECUTE for authenticated and service_role only")
                : fail(Expectations.SEARCH_FUNCTION + ": " + String.join("; ", problems));
    }

    /**
     * The search function takes its candidates from the token index alone (V13): without it, or with an
     * index that is invalid, a search reads the whole table; a token function that authenticated may not
     * execute makes every insert of a contact fail.
     */
    private static Check searchIndex(Catalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        List<String> index = catalog.list("select x.indisvalid::text || '|' || pg_get_indexdef(x.indexrelid) from pg_index x"
                + " where x.indexrelid = to_regclass(?) and x.indrelid = 'public.contacts'::regclass",
                "public." + Expectations.SEARCH_INDEX);
        if (index.isEmpty()) {
            problems.add(Expectations.SEARCH_INDEX + " is missing (every search would read the whole contacts table)");
        } else {
            String[] f = index.get(0).split("\\|", 2);
            if (!f[0].equals("true")) {
                problems.add(Expectations.SEARCH_INDEX + " is invalid (an interrupted build): drop it and build it again");
            }
            if (!f[1].matches(".* USING gin \\((public\\.)?contact_search_tokens\\(org_id, name, email, phone\\)\\)")) {
                problems.add(Expectations.SEARCH_INDEX + " is not defined as V13 defines it: " + f[1]);
            }
        }
        FunctionDeclaration tokens = declaration(catalog, Expectations.SEARCH_TOKENS_FUNCTION);
        if (tokens == null) {
            problems.add(Expectations.SEARCH_TOKENS_FUNCTION + " is missing");
        } else {
            if (!tokens.volatility().equals("i")) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + " is not IMMUTABLE");
            }
            if (!tokens.requiredSearchPath()) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + ": search_path is not fixed to " + SecurityChecks.SearchPath.REQUIRED
                        + " (settings: " + tokens.describeSettings() + "; alter function " + Expectations.SEARCH_TOKENS_FUNCTION
                        + " set search_path = " + SecurityChecks.SearchPath.REQUIRED + ")");
            }
            if (!tokens.authenticatedMayExecute() || !tokens.serviceRoleMayExecute()) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + ": authenticated and service_role must be allowed to"
                        + " execute it (they insert contacts)");
            }
        }
        return verdict(problems, Expectations.SEARCH_INDEX + " valid; " + Expectations.SEARCH_TOKENS_FUNCTION
                + " IMMUTABLE, search_path " + SecurityChecks.SearchPath.REQUIRED + ", EXECUTE for authenticated and service_role");
    }

    /**
     * Text indexes (the search tokens and trigrams, which depend on lower(), and every btree on text)
     * hold what the collation library computed when they were built. When the library behind the
     * database's default collation has changed version since (an operating system or ICU upgrade),
     * they may no longer match what the server computes now: searches can miss rows and unique indexes
     * can admit duplicates until they are rebuilt.
     */
    private static Check collationVersion(Catalog catalog) throws SQLException {
        List<String> found = catalog.list("select coalesce(d.datcollversion, '') || '|'"
                + " || coalesce(pg_database_collation_actual_version(d.oid), '')"
                + " from pg_database d where d.datname = current_database()");
        String[] f = found.get(0).split("\\|", -1);
        if (f[0].isEmpty() || f[1].isEmpty()) {
            return pass("no collation version to compare (recorded: " + (f[0].isEmpty() ? "none" : f[0]) + ", server: "
                    + (f[1].isEmpty() ? "none" : f[1]) + "; C, POSIX, C.UTF-8 and builtin locales have none)");
        }
        if (!f[0].equals(f[1])) {
            return fail("the database's collation version is " + f[0] + " but the server's library is now at " + f[1]
                    + ": REINDEX the text indexes (e.g. REINDEX DATABASE), then ALTER DATABASE ... REFRESH COLLATION VERSION");
        }
        return pass("collation version " + f[0] + " unchanged since the database was created or refreshed");
    }

    private static Check pgaudit(Catalog catalog) throws SQLException {
        if (catalog.count("select count(*) from pg_extension where extname = 'pgaudit'") > 0) {
            return pass("pgaudit extension installed");
        }
        if (catalog.count("select count(*) from pg_available_extensions where name = 'pgaudit'") > 0) {
            return warn("pgaudit is available but not installed (it must be in shared_preload_libraries); "
                    + "the trigger-based audit trail is active");
        }
        return warn("pgaudit is not available on this server; the trigger-based audit trail is active");
    }

    /** Read-only catalog queries on the verification connection. */
    static final class Catalog {
        private final Connection connection;

        Catalog(Connection connection) {
            this.connection = connection;
        }

        /**
         * Each query in a savepoint of its own: a query that fails (a relation a broken database lacks)
         * fails its own item and leaves the transaction usable for the next ones.
         */
        List<String> list(String sql, Object... params) throws SQLException {
            Savepoint savepoint = connection.setSavepoint();
            try {
                List<String> values = query(sql, params);
                connection.releaseSavepoint(savepoint);
                return values;
            } catch (SQLException e) {
                connection.rollback(savepoint);
                throw e;
            }
        }

        private List<String> query(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                List<String> values = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
                return values;
            }
        }

        /** Every row of a query, each as its columns' text; in a savepoint like {@link #list}. */
        List<List<String>> rows(String sql, Object... params) throws SQLException {
            Savepoint savepoint = connection.setSavepoint();
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                List<List<String>> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        List<String> row = new ArrayList<>(columns);
                        for (int i = 1; i <= columns; i++) {
                            row.add(rs.getString(i));
                        }
                        rows.add(row);
                    }
                }
                connection.releaseSavepoint(savepoint);
                return rows;
            } catch (SQLException e) {
                connection.rollback(savepoint);
                throw e;
            }
        }

        Set<String> set(String sql, Object... params) throws SQLException {
            return new LinkedHashSet<>(list(sql, params));
        }

        int count(String sql, Object... params) throws SQLException {
            return Integer.parseInt(list(sql, params).get(0));
        }
    }

    /**
     * Behavioural probes: they create two organizations, users and rows, act as the API roles, and are
     * undone by the rollback that ends verification. Each runs behind a savepoint so that one failing
     * probe does not spoil the next.
     */
    private static final class Probes {
        private final Connection c;
        private UUID orgA;
        private UUID orgB;
        private UUID userA;
        private UUID userA2;
        private String seedFailure = "not attempted";

        Probes(Connection c) {
            this.c = c;
        }

        Check run(String item, CheckBody body) {
            if (orgA == null) {
                return new Check(item, Status.FAIL, "probe data could not be created: " + seedFailure);
            }
            Savepoint savepoint = null;
            try {
                savepoint = c.setSavepoint();
                Check check = body.run();
                actAsAdmin();
                return new Check(item, check.status(), check.reason());
            } catch (SQLException e) {
                return new Check(item, Status.FAIL, "probe failed: " + SqlFailures.describe(e));
            } finally {
                if (savepoint != null) {
                    try {
                        c.rollback(savepoint);
                    } catch (SQLException ignored) {
                        // the transaction is rolled back as a whole at the end of verification
                    }
                }
            }
        }

        /** Creates the probes' organizations, users and contacts; they live until the final rollback. */
        void seed() {
            Savepoint savepoint = null;
            try {
                savepoint = c.setSavepoint();
                insertProbeData();
            } catch (SQLException e) {
                orgA = null;
                seedFailure = SqlFailures.describe(e);
                if (savepoint != null) {
                    try {
                        c.rollback(savepoint);
                    } catch (SQLException ignored) {
                        // the transaction is rolled back as a whole at the end of verification
                    }
                }
            }
        }

        private void insertProbeData() throws SQLException {
            orgA = UUID.randomUUID();
            orgB = UUID.randomUUID();
            userA = UUID.randomUUID();
            userA2 = UUID.randomUUID();
            UUID userB = UUID.randomUUID();
            exec("insert into public.organizations (id, name) values (?, 'verify probe A'), (?, 'verify probe B')", orgA, orgB);
            for (UUID[] user : new UUID[][] {{userA, orgA}, {userA2, orgA}, {userB, orgB}}) {
                com.voxanne.schema.session.AuthUsers.create(c, user[0], user[0] + "@verify.invalid", user[1]);
            }
            exec("insert into public.contacts (org_id, name) values (?, 'probe A'), (?, 'probe B')", orgA, orgB);
        }

        Check immutableOrgId() throws SQLException {
            List<String> problems = new ArrayList<>();
            for (String change : List.of("org_id = ?", "org_id = null")) {
                Savepoint sp = c.setSavepoint();
                try {
                    if (change.contains("?")) {
                        exec("update public.contacts set " + change + " where org_id = ?", orgB, orgA);
                    } else {
                        exec("update public.contacts set " + change + " where org_id = ?", orgA);
                    }
                    problems.add("'set " + change + "' was accepted");
                } catch (SQLException refused) {
                    // expected
                } finally {
                    c.rollback(sp);
                }
            }
            return verdict(problems, "changing org_id is refused, to another organization and to NULL");
        }

        Check orgIsolation() throws SQLException {
            bind(RequestClaims.user(orgA, userA));
            int own = count("select count(*) from public.contacts");
            int other = count("select count(*) from public.contacts where org_id = ?", orgB);
            List<String> problems = new ArrayList<>();
            if (own != 1) {
                problems.add("a user of org A sees " + own + " contacts, expected its 1");
            }
            if (other != 0) {
                problems.add("a user of org A sees " + other + " contacts of org B");
            }
            Savepoint sp = c.setSavepoint();
            try {
                exec("insert into public.contacts (org_id, name) values (?, 'intruder')", orgB);
                problems.add("a user of org A inserted a contact into org B");
            } catch (SQLException refused) {
                c.rollback(sp);
            }
            bind(RequestClaims.anonymous());
            sp = c.setSavepoint();
            try {
                int anon = count("select count(*) from public.contacts");
                if (anon != 0) {
                    problems.add("anon sees " + anon + " contacts");
                }
            } catch (SQLException refused) {
                c.rollback(sp);
            }
            return verdict(problems, "org A's user sees its own rows only, cannot write into org B; anon sees nothing");
        }

        /**
         * The search function runs as its owner, past RLS: its own organization filter must keep org B's
         * contact ("probe B") out of org A's results, for a user and for the service role bound to org A,
         * and a caller without an organization gets 42501.
         */
        Check searchIsolation() throws SQLException {
            String sql = "select string_agg(c.name, ',' order by c.name) from public.contacts c"
                    + " where c.id in (select public.search_contact_ids('probe'))";
            List<String> problems = new ArrayList<>();
            actAsAdmin();
            bind(RequestClaims.user(orgA, userA));
            String asUser = scalar(sql);
            // the admin connection bypasses RLS: what the function returns is all that filters here
            actAsAdmin();
            try (Statement s = c.createStatement()) {
                s.execute("select set_config('request.jwt.claims', '" + RequestClaims.user(orgA, userA).toJson() + "', true)");
            }
            String definerOnly = scalar(sql);
            bind(RequestClaims.service(orgA));
            String asService = scalar(sql);
            for (String[] result : new String[][] {{"a user of org A", asUser}, {"service_role bound to org A", asService},
                    {"the function alone (no RLS)", definerOnly}}) {
                if (!"probe A".equals(result[1])) {
                    problems.add(result[0] + " found " + result[1] + ", expected only probe A");
                }
            }
            bind(RequestClaims.service());
            Savepoint sp = c.setSavepoint();
            try {
                scalar(sql);
                problems.add("a caller without an organization was answered");
            } catch (SQLException refused) {
                c.rollback(sp);
                if (!"42501".equals(refused.getSQLState())) {
                    problems.add("a caller without an organization got " + refused.getSQLState() + ", expected 42501");
                }
            }
            return verdict(problems, "search_contact_ids returns the caller's organization's contacts only; no organization, no answer");
        }

        Check userNotifications() throws SQLException {
            actAsAdmin();
            exec("insert into public.notifications (org_id, user_id, type, title, message)"
                    + " values (?, ?, 'system_alert', 'probe', 'probe')", orgA, userA);
            bind(RequestClaims.user(orgA, userA2));
            int colleague = count("select count(*) from public.notifications");
            bind(RequestClaims.user(orgA, userA));
            int owner = count("select count(*) from public.notifications");
            List<String> problems = new ArrayList<>();
            if (owner != 1) {
                problems.add("the owner sees " + owner + " notifications, expected 1");
            }
            if (colleague != 0) {
                problems.add("a colleague in the same organization sees " + colleague);
            }
            return verdict(problems, "only the notification's own user sees it");
        }

        Check auditFunctions() throws SQLException {
            bind(RequestClaims.service(orgA));
            List<String> problems = new ArrayList<>();
            String notification = scalar("select public.create_notification(?, ?, 'system_alert'::public.notification_type,"
                    + " 'probe', 'probe')", orgA, userA);
            if (notification == null) {
                problems.add("create_notification returned nothing");
            }
            String audit = scalar("select public.log_audit_event(?, 'VERIFY', 'PROBE', 'verify')", orgA);
            if (audit == null) {
                problems.add("log_audit_event returned nothing");
            }
            actAsAdmin();
            int trail = count("select count(*) from public.audit_logs where org_id = ? and table_name = 'contacts'", orgA);
            if (trail == 0) {
                problems.add("inserting a contact wrote no audit row");
            }
            return verdict(problems, "create_notification and log_audit_event work for service_role; row changes are audited");
        }

        /** Acts as the claims' API role exactly as the data layer does, so the probes test what requests get. */
        private void bind(RequestClaims claims) throws SQLException {
            com.voxanne.schema.session.RequestBinding.bind(c, claims);
        }

        private void actAsAdmin() throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("select set_config('role', 'none', true), set_config('request.jwt.claims', '', true)");
            }
        }

        private void exec(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                ps.execute();
            }
        }

        private String scalar(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        }

        private int count(String sql, Object... params) throws SQLException {
            return Integer.parseInt(scalar(sql, params));
        }
    }
}
