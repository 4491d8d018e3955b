package com.voxanne.schema.internal;

import com.voxanne.schema.internal.Catalog.FunctionDeclaration;
import com.voxanne.schema.internal.Catalog.IndexDefinition;
import com.voxanne.schema.internal.Catalog.RoleAttributes;
import com.voxanne.schema.internal.SecurityChecks.SearchPath;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks of Voxanne's own objects, read from the catalog: tables, enums, indexes, row-level security,
 * policies, triggers, keys, privileges, functions. A service's tables are {@link ServiceTableChecks}'; what
 * the API roles could do around Voxanne's functions is {@link SecurityChecks}'.
 */
final class SchemaChecks {

    /** The trigger function that writes Voxanne's own tables' changes to the audit trail (V17). */
    private static final String AUDIT_FUNCTION = "audit_statement_change";

    private final Catalog catalog;

    SchemaChecks(Catalog catalog) {
        this.catalog = catalog;
    }

    Verdict tablesAndColumns() throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> table : Expectations.TABLES.entrySet()) {
            Set<String> columns = catalog.columns(table.getKey());
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
        return Verdict.of(problems, Expectations.TABLES.size() + " tables with every expected column");
    }

    Verdict enums() throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : Expectations.ENUMS.entrySet()) {
            List<String> labels = catalog.enumLabels(e.getKey());
            if (!labels.equals(e.getValue())) {
                problems.add(e.getKey() + (labels.isEmpty() ? " is missing" : " has " + labels + ", expected " + e.getValue()));
            }
        }
        return Verdict.of(problems, Expectations.ENUMS.size() + " enums with the expected values");
    }

    Verdict indexNames() throws SQLException {
        List<String> missing = new ArrayList<>(Expectations.INDEXES);
        missing.removeAll(catalog.indexNames());
        return missing.isEmpty() ? Verdict.pass(Expectations.INDEXES.size() + " named indexes present")
                : Verdict.fail("missing " + missing);
    }

    /** Voxanne's tables; a service's are {@link ServiceTableChecks#tenantRls}'. */
    Verdict rlsEnabledAndForced() throws SQLException {
        List<String> notForced = catalog.withoutForcedRls(Expectations.VOXANNE_TABLES);
        if (notForced.isEmpty()) {
            return Verdict.pass("all " + catalog.existingTables(Expectations.VOXANNE_TABLES).size()
                    + " of Voxanne's tables in public");
        }
        List<String> fixes = new ArrayList<>();
        for (String table : notForced) {
            fixes.add("alter table public." + table + " enable row level security, force row level security");
        }
        return Verdict.fail("not enabled and forced on " + notForced + ". Fix: " + String.join("; ", fixes));
    }

    /** Every policy for authenticated or service_role; authenticated's scoped by the caller's organization. */
    Verdict policies() throws SQLException {
        List<String> problems = new ArrayList<>();
        List<String> open = catalog.policiesNotForApiRoles(Expectations.VOXANNE_TABLES);
        if (!open.isEmpty()) {
            problems.add("policies not limited to authenticated/service_role: " + open
                    + " (a policy TO public or anon applies to every role: drop it, or recreate it TO authenticated"
                    + " scoped by (select auth_org_id()))");
        }
        for (String table : Expectations.USER_TABLES) {
            if (!catalog.authenticatedPolicyCommands(table).contains("SELECT")) {
                problems.add(table + " has no SELECT policy for authenticated");
            }
            // either form: which one the database's kind needs is POLICY_FORM's item
            int unscoped = catalog.authenticatedPoliciesWithout(table, "auth_org_id()");
            if (unscoped > 0) {
                problems.add(table + " has " + unscoped + " authenticated polic(ies) not scoped by auth_org_id()");
            }
        }
        for (String table : Expectations.TENANT_TABLES) {
            if (catalog.servicePolicies(table) == 0) {
                problems.add(table + " has no service_role policy");
            }
        }
        return Verdict.of(problems, "one policy per command, TO authenticated scoped by auth_org_id(), plus service_role");
    }

    Verdict orgIdImmutabilityTriggers() throws SQLException {
        return triggers("org_id_immutable_", Expectations.TENANT_TABLES, "prevent_org_id_change");
    }

    Verdict updatedAtTriggers() throws SQLException {
        return triggers("set_updated_at_", Expectations.UPDATED_AT_TABLES, "set_updated_at");
    }

    Verdict auditTriggers() throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String table : Expectations.AUDITED_TABLES) {
            for (String operation : catalog.operationsNotAudited(table, AUDIT_FUNCTION)) {
                missing.add(table + " " + operation);
            }
        }
        return missing.isEmpty()
                ? Verdict.pass("audit_insert_/update_/delete_* statement triggers calling " + AUDIT_FUNCTION + "() on "
                        + Expectations.AUDITED_TABLES)
                : Verdict.fail("writes not audited: " + missing + " (a disabled trigger: alter table public.<table> enable"
                        + " trigger <name>; a missing one is created by the migrations: compare with a freshly migrated database)");
    }

    /** Each of {@code tables} has an enabled trigger named {@code prefix…} calling {@code function}. */
    private Verdict triggers(String prefix, List<String> tables, String function) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String table : tables) {
            if (!catalog.hasTrigger(table, prefix, function)) {
                missing.add(table);
            }
        }
        return missing.isEmpty() ? Verdict.pass(prefix + "* calling " + function + "() on " + tables)
                : Verdict.fail("missing or disabled on " + missing + " (a disabled one: alter table public.<table> enable"
                        + " trigger <name>; a missing one is created by the migrations: compare with a freshly migrated database)");
    }

    Verdict indexesLedByOrgId() throws SQLException {
        List<String> notLed = new ArrayList<>();
        for (String table : Expectations.TENANT_TABLES) {
            notLed.addAll(catalog.indexesNotLedByOrgId(table));
        }
        return notLed.isEmpty() ? Verdict.pass("every secondary index of a tenant table starts with org_id")
                : Verdict.fail("not led by org_id: " + notLed + " (a tenant's queries cannot use them, and they mix"
                        + " organizations' rows: recreate them with org_id as the first column)");
    }

    Verdict foreignKeys() throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String table : Expectations.TENANT_TABLES) {
            if (catalog.foreignKeys("public." + table, "public.organizations").isEmpty()) {
                problems.add(table + ".org_id does not reference organizations");
            }
        }
        if (catalog.foreignKeys("public.appointments", "public.contacts").stream()
                .noneMatch(k -> k.startsWith("FOREIGN KEY (org_id, contact_id) REFERENCES contacts(org_id, id)"))) {
            problems.add("appointments lacks the composite key (org_id, contact_id) -> contacts(org_id, id)");
        }
        if (catalog.foreignKeys("public.notifications", "auth.users").isEmpty()) {
            problems.add("notifications.user_id does not reference auth.users");
        }
        return Verdict.of(problems, "org_id -> organizations everywhere; tenant-safe composite keys");
    }

    Verdict contactPhoneUnique() throws SQLException {
        return catalog.uniqueIndexDefinedAs("uq_contacts_org_phone", "(org_id, phone) WHERE (phone IS NOT NULL)")
                ? Verdict.pass("uq_contacts_org_phone: unique (org_id, phone) where phone is not null")
                : Verdict.fail("uq_contacts_org_phone is missing or not unique on (org_id, phone) where phone is not null");
    }

    Verdict webhookEventsUnique() throws SQLException {
        List<String> composite = catalog.uniqueIndexesEndingWith("processed_webhook_events", "(org_id, event_id)", true);
        if (composite.isEmpty()) {
            return Verdict.fail("no unique index on (org_id, event_id)");
        }
        List<String> global = catalog.uniqueIndexesEndingWith("processed_webhook_events", "(event_id)", false);
        return global.isEmpty() ? Verdict.pass(composite.get(0) + " on (org_id, event_id); no global unique on event_id")
                : Verdict.fail("a global unique on event_id remains: " + global + " (one organization's event id would"
                        + " block another's: drop index public.<name>)");
    }

    Verdict serviceRolePrivileges() throws SQLException {
        List<String> denied = catalog.tablesServiceRoleMayNotWrite(Expectations.TENANT_TABLES);
        return denied.isEmpty() ? Verdict.pass("service_role may read and write every tenant table")
                : Verdict.fail("service_role lacks privileges on " + denied + ". Fix: grant select, insert, update, delete on "
                        + String.join(", ", denied.stream().map(t -> "public." + t).toList()) + " to service_role");
    }

    /** Voxanne's tables; a service's tables and views are {@link ServiceTableChecks#anon}'s. */
    Verdict anonTablePrivileges() throws SQLException {
        List<String> exposed = catalog.tablesGrantedTo("anon", Expectations.VOXANNE_TABLES);
        return exposed.isEmpty() ? Verdict.pass("anon is granted nothing on any of Voxanne's tables")
                : Verdict.fail("anon holds privileges on " + exposed + ". Fix: revoke all on "
                        + String.join(", ", exposed.stream().map(t -> "public." + t).toList()) + " from anon");
    }

    Verdict apiRoles() throws SQLException {
        List<RoleAttributes> expected = List.of(new RoleAttributes("anon", false, false, false),
                new RoleAttributes("authenticated", false, false, false), new RoleAttributes("service_role", false, true, false));
        List<RoleAttributes> found = catalog.roles(Expectations.API_ROLES);
        List<String> problems = new ArrayList<>();
        for (RoleAttributes role : expected) {
            if (!found.contains(role)) {
                String attributes = (role.canLogin() ? "login" : "nologin") + " " + (role.bypassRls() ? "bypassrls" : "nobypassrls")
                        + " " + (role.superuser() ? "superuser" : "nosuperuser");
                problems.add(role.name() + " must be " + attributes.toUpperCase(java.util.Locale.ROOT)
                        + (found.stream().anyMatch(f -> f.name().equals(role.name()))
                                ? " (fix: alter role " + role.name() + " " + attributes + ")" : " (it does not exist)"));
            }
        }
        return Verdict.of(problems, "anon and authenticated NOLOGIN; service_role NOLOGIN BYPASSRLS");
    }

    Verdict functionGrantsAndSearchPath() throws SQLException {
        List<String> problems = new ArrayList<>();
        List<String> noPath = catalog.securityDefinersWithoutSearchPath();
        if (!noPath.isEmpty()) {
            problems.add("SECURITY DEFINER without fixed search_path: " + noPath + " (alter function ... set search_path = "
                    + SearchPath.REQUIRED + ")");
        }
        List<String> notRequiredPath = new ArrayList<>();
        for (Catalog.FunctionSearchPath f : catalog.securityDefinerSearchPaths(Expectations.VOXANNE_FUNCTIONS)) {
            if (f.searchPath() != null && !SearchPath.of(f.searchPath()).isRequired()) {
                notRequiredPath.add(f.name());
            }
        }
        if (!notRequiredPath.isEmpty()) {
            problems.add("SECURITY DEFINER with a search_path other than " + SearchPath.REQUIRED + ": "
                    + notRequiredPath + " (alter function ... set search_path = " + SearchPath.REQUIRED + ")");
        }
        List<String> publicExecute = catalog.securityDefinersExecutableByPublic();
        if (!publicExecute.isEmpty()) {
            problems.add("SECURITY DEFINER executable by PUBLIC: " + publicExecute + " (revoke execute on function ... from public)");
        }
        List<String> anonExecute = catalog.securityDefinersExecutableBy("anon");
        if (!anonExecute.isEmpty()) {
            problems.add("SECURITY DEFINER executable by anon: " + anonExecute + " (revoke execute on function ... from anon)");
        }
        List<String> tooOpen = catalog.functionsExecutableBy("authenticated", Expectations.SERVICE_ONLY_FUNCTIONS);
        if (!tooOpen.isEmpty()) {
            problems.add("service-only helpers executable by authenticated: " + tooOpen
                    + " (revoke execute on function ... from authenticated)");
        }
        List<String> weakOwners = catalog.securityDefinerOwnersSubjectToRls();
        if (!weakOwners.isEmpty()) {
            problems.add("SECURITY DEFINER functions owned by roles that do not bypass RLS (they fail on forced RLS): " + weakOwners);
        }
        return Verdict.of(problems, catalog.securityDefinerCount() + " SECURITY DEFINER functions: fixed search_path (Voxanne's: "
                + SearchPath.REQUIRED + "), no PUBLIC or anon EXECUTE");
    }

    /**
     * search_contact_ids bypasses RLS as its owner, so how it is declared is part of the isolation:
     * SECURITY DEFINER with search_path = pg_catalog, pg_temp, executable by authenticated and service_role, not by
     * PUBLIC or anon. (Its organization filter is checked by a probe.)
     */
    Verdict contactSearchFunction() throws SQLException {
        FunctionDeclaration f = catalog.function(Expectations.SEARCH_FUNCTION);
        if (f == null) {
            return Verdict.fail(Expectations.SEARCH_FUNCTION + " is missing (the migrations create it: run migrate)");
        }
        List<String> problems = new ArrayList<>();
        if (!f.securityDefiner()) {
            problems.add("not SECURITY DEFINER (under RLS its ILIKE and token conditions could not use an index)");
        }
        if (!f.volatility().equals("s")) {
            problems.add("not STABLE");
        }
        if (!f.requiredSearchPath()) {
            problems.add("search_path is not fixed to " + SearchPath.REQUIRED + " (settings: " + f.describeSettings()
                    + "; alter function " + Expectations.SEARCH_FUNCTION + " set search_path = " + SearchPath.REQUIRED + ")");
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
                ? Verdict.pass(Expectations.SEARCH_FUNCTION + ": SECURITY DEFINER, STABLE, search_path " + SearchPath.REQUIRED
                        + ", EXECUTE for authenticated and service_role only")
                : Verdict.fail(Expectations.SEARCH_FUNCTION + ": " + String.join("; ", problems));
    }

    /**
     * The search function takes its candidates from the token index alone: without it, or with an index
     * that is invalid, a search reads the whole table; a token function that authenticated may not
     * execute makes every insert of a contact fail.
     */
    Verdict contactSearchIndex() throws SQLException {
        List<String> problems = new ArrayList<>();
        IndexDefinition index = catalog.index(Expectations.SEARCH_INDEX, "contacts");
        if (index == null) {
            problems.add(Expectations.SEARCH_INDEX + " is missing (every search would read the whole contacts table)");
        } else {
            if (!index.valid()) {
                problems.add(Expectations.SEARCH_INDEX + " is invalid (an interrupted build): drop it and build it again");
            }
            if (!index.definition().matches(".* USING gin \\((public\\.)?contact_search_tokens\\(org_id, name, email, phone\\)\\)( WITH \\(.*\\))?")) {
                problems.add(Expectations.SEARCH_INDEX + " is not a GIN index on contact_search_tokens(org_id, name, email, phone): "
                        + index.definition());
            }
            String pendingList = pendingListProblem(index.definition());
            if (pendingList != null) {
                problems.add(pendingList);
            }
        }
        FunctionDeclaration tokens = catalog.function(Expectations.SEARCH_TOKENS_FUNCTION);
        if (tokens == null) {
            problems.add(Expectations.SEARCH_TOKENS_FUNCTION + " is missing");
        } else {
            if (!tokens.volatility().equals("i")) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + " is not IMMUTABLE");
            }
            if (!tokens.requiredSearchPath()) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + ": search_path is not fixed to " + SearchPath.REQUIRED
                        + " (settings: " + tokens.describeSettings() + "; alter function " + Expectations.SEARCH_TOKENS_FUNCTION
                        + " set search_path = " + SearchPath.REQUIRED + ")");
            }
            if (!tokens.authenticatedMayExecute() || !tokens.serviceRoleMayExecute()) {
                problems.add(Expectations.SEARCH_TOKENS_FUNCTION + ": authenticated and service_role must be allowed to"
                        + " execute it (they insert contacts)");
            }
        }
        return Verdict.of(problems, Expectations.SEARCH_INDEX + " valid, pending list at most "
                + Expectations.SEARCH_INDEX_PENDING_LIST_KB + " kB; " + Expectations.SEARCH_TOKENS_FUNCTION
                + " IMMUTABLE, search_path " + SearchPath.REQUIRED + ", EXECUTE for authenticated and service_role");
    }

    private static final Pattern FAST_UPDATE_OFF = Pattern.compile("\\bfastupdate='?(off|false)'?");
    private static final Pattern PENDING_LIST_LIMIT = Pattern.compile("\\bgin_pending_list_limit='?(\\d+)'?");

    /**
     * Every search through the token index reads its whole pending list, which every clinic's writes
     * fill: V18 bounds it to {@value Expectations#SEARCH_INDEX_PENDING_LIST_KB} kB (ADR 0025). Fast update
     * off (no pending list) is as good. Null when the index is so.
     */
    private static String pendingListProblem(String definition) {
        if (FAST_UPDATE_OFF.matcher(definition).find()) {
            return null;
        }
        Matcher limit = PENDING_LIST_LIMIT.matcher(definition);
        String size = "the server's gin_pending_list_limit (4 MB by default)";
        if (limit.find()) {
            if (Long.parseLong(limit.group(1)) <= Expectations.SEARCH_INDEX_PENDING_LIST_KB) {
                return null;
            }
            size = limit.group(1) + " kB";
        }
        return Expectations.SEARCH_INDEX + " reads a pending list of up to " + size + " in every search, filled by every"
                + " clinic's writes: alter index public." + Expectations.SEARCH_INDEX + " set (gin_pending_list_limit = "
                + Expectations.SEARCH_INDEX_PENDING_LIST_KB + ")";
    }

    /**
     * Text indexes (the search tokens and trigrams, which depend on lower(), and every btree on text)
     * hold what the collation library computed when they were built. When the library behind the
     * database's default collation has changed version since (an operating system or ICU upgrade),
     * they may no longer match what the server computes now: searches can miss rows and unique indexes
     * can admit duplicates until they are rebuilt.
     */
    Verdict collationVersion() throws SQLException {
        Catalog.CollationVersions versions = catalog.collationVersions();
        String recorded = versions.recorded() == null ? "" : versions.recorded();
        String actual = versions.actual() == null ? "" : versions.actual();
        if (recorded.isEmpty() || actual.isEmpty()) {
            return Verdict.pass("no collation version to compare (recorded: " + (recorded.isEmpty() ? "none" : recorded)
                    + ", server: " + (actual.isEmpty() ? "none" : actual)
                    + "; C, POSIX, C.UTF-8 and builtin locales have none)");
        }
        if (!recorded.equals(actual)) {
            return Verdict.fail("the database's collation version is " + recorded + " but the server's library is now at "
                    + actual + ": REINDEX the text indexes (e.g. REINDEX DATABASE), then ALTER DATABASE ... REFRESH COLLATION VERSION");
        }
        return Verdict.pass("collation version " + recorded + " unchanged since the database was created or refreshed");
    }

    Verdict pgaudit() throws SQLException {
        if (catalog.extensionInstalled("pgaudit")) {
            return Verdict.pass("pgaudit extension installed");
        }
        if (catalog.extensionAvailable("pgaudit")) {
            return Verdict.warn("pgaudit is available but not installed (add it to shared_preload_libraries, restart,"
                    + " then run migrate again); the trigger-based audit trail is active");
        }
        return Verdict.warn("pgaudit is not available on this server; the trigger-based audit trail is active");
    }

    /** What the legacy backfill (migration V9) recorded: orphans and conflicts deserve an operator's look. */
    Verdict legacyWebhookBackfill() throws SQLException {
        Map<String, Long> report = catalog.migrationReport("V9", List.of("rows_total", "orphans_to_default_org", "conflicts"));
        if (report.isEmpty()) {
            return Verdict.fail("public.voxanne_migration_report has no rows for migration V9 (the legacy webhook backfill):"
                    + " it was not applied, or its report was deleted");
        }
        List<String> counts = new ArrayList<>();
        report.forEach((item, count) -> counts.add(item + "=" + count));
        String summary = String.join(", ", counts);
        boolean attention = report.entrySet().stream()
                .anyMatch(e -> (e.getKey().startsWith("orphans") || e.getKey().startsWith("conflicts")) && e.getValue() != 0);
        return attention ? Verdict.warn(summary + " (webhook events without an organization went to the default"
                + " organization; the rows are in public.voxanne_migration_report where migration = 'V9')")
                : Verdict.pass(summary);
    }
}
