package com.voxanne.schema.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The distribution section of the checklist: where Voxanne's tables are on a Citus cluster, and whether
 * the policies have the form the database's kind needs. The kind is read from the catalog: a single
 * server has no citus extension; a distributed database has Voxanne's tables in pg_dist_partition. Catalog
 * reads only.
 */
final class DistributionChecks {

    /** What kind of database this is, for the distribution items. */
    enum Kind {
        /** No citus extension: everything about distribution passes as "not distributed". */
        SINGLE_SERVER,
        /** The citus extension without a Voxanne table placed: local tables on a coordinator. */
        NOT_DISTRIBUTED,
        /** At least one of Voxanne's tables is placed by Citus: all of them must be, and right. */
        DISTRIBUTED
    }

    /** A scalar subquery calling a function without arguments, as the server prints it: {@code ( SELECT auth_org_id() AS auth_org_id)}. */
    static final Pattern SUBQUERY_CALL = Pattern.compile(
            "\\(\\s*SELECT\\s+(?:[a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*\\(\\)\\s+AS\\s+[a-z_][a-z0-9_]*\\)", Pattern.CASE_INSENSITIVE);

    /** Any other scalar subquery. */
    private static final Pattern SUBQUERY = Pattern.compile(Distributor.SUBQUERY_PATTERN, Pattern.CASE_INSENSITIVE);

    /** A call of a claims helper. */
    static final Pattern CLAIMS_CALL = Pattern.compile("\\b(auth_org_id|auth_user_id|uid)\\(\\)");

    private final Catalog catalog;
    private Kind kind;

    DistributionChecks(Catalog catalog) {
        this.catalog = catalog;
    }

    Kind kind() throws SQLException {
        if (kind == null) {
            if (!catalog.extensionInstalled("citus")) {
                kind = Kind.SINGLE_SERVER;
            } else {
                kind = placed().isEmpty() ? Kind.NOT_DISTRIBUTED : Kind.DISTRIBUTED;
            }
        }
        return kind;
    }

    private Map<String, Distributor.Placed> placed() throws SQLException {
        Map<String, Distributor.Placed> placed = new LinkedHashMap<>();
        for (List<String> row : catalog.rowsOfText(Distributor.PLACED)) {
            placed.put(row.get(0), new Distributor.Placed(row.get(1), row.get(2), Integer.parseInt(row.get(3)), row.get(4)));
        }
        return placed;
    }

    private static final String NOT_DISTRIBUTED = "not distributed: no citus extension (a single server)";

    Verdict distributedTables() throws SQLException {
        switch (kind()) {
            case SINGLE_SERVER:
                return Verdict.pass(NOT_DISTRIBUTED);
            case NOT_DISTRIBUTED:
                return Verdict.warn("the citus extension is installed but no table of Voxanne's is distributed: all of them"
                        + " are local to this node; on a coordinator with workers, run voxanne distribute to place them");
            default:
                break;
        }
        Map<String, Distributor.Placed> placed = placed();
        Distributor.Placed organizations = placed.get("public.organizations");
        List<String> problems = new ArrayList<>();
        for (String table : Distributor.BY_ORGANIZATION) {
            String name = Distributor.qualified(table);
            String column = Distributor.distributionColumn(table);
            Distributor.Placed p = placed.get(name);
            if (p == null) {
                problems.add(name + " is local to the coordinator");
            } else if (!p.method().equals("h") || !column.equals(p.column())) {
                problems.add(name + " is " + p.describe() + ", not distributed by " + column);
            } else if (organizations != null && p.colocation() != organizations.colocation()) {
                problems.add(name + " is not colocated with public.organizations");
            }
        }
        return problems.isEmpty()
                ? Verdict.pass(Distributor.BY_ORGANIZATION.size() + " tables in organizations' colocation group:"
                        + " organizations by id, " + String.join(", ", Distributor.BY_ORGANIZATION.subList(2,
                        Distributor.BY_ORGANIZATION.size())) + " and audit_logs by org_id")
                : Verdict.fail(String.join("; ", problems) + " (voxanne distribute places a local table; one placed"
                        + " otherwise must first be undone with undistribute_table)");
    }

    Verdict referenceTables() throws SQLException {
        if (kind() != Kind.DISTRIBUTED) {
            return Verdict.pass(kind() == Kind.SINGLE_SERVER ? NOT_DISTRIBUTED : "not distributed");
        }
        Distributor.Placed users = placed().get(Distributor.REFERENCE_TABLE);
        if (users == null) {
            return Verdict.fail(Distributor.REFERENCE_TABLE + " is local to the coordinator: notifications' foreign key"
                    + " cannot reach it from the workers (run voxanne distribute)");
        }
        return users.reference() ? Verdict.pass(Distributor.REFERENCE_TABLE + " is a reference table, on every node")
                : Verdict.fail(Distributor.REFERENCE_TABLE + " is " + users.describe() + ", not a reference table");
    }

    Verdict policyForm() throws SQLException {
        boolean distributed = kind() == Kind.DISTRIBUTED;
        List<String> tables = Distributor.BY_ORGANIZATION;
        List<String> wrong = new ArrayList<>();
        for (Catalog.PolicyText policy : catalog.policyTexts(tables)) {
            for (String expression : new String[] {policy.qual(), policy.withCheck()}) {
                if (expression == null) {
                    continue;
                }
                boolean misfit = distributed ? SUBQUERY.matcher(expression).find()
                        : CLAIMS_CALL.matcher(SUBQUERY_CALL.matcher(expression).replaceAll("")).find();
                if (misfit) {
                    wrong.add(policy.table() + "." + policy.name());
                    break;
                }
            }
        }
        if (distributed) {
            return wrong.isEmpty() ? Verdict.pass("distributed: the policies call auth_org_id() without a subquery")
                    : Verdict.fail("distributed, but these policies have a subquery, which Citus refuses on a distributed"
                            + " table: " + wrong + " (voxanne distribute rewrites them to auth_org_id())");
        }
        return wrong.isEmpty() ? Verdict.pass((kind() == Kind.SINGLE_SERVER ? "a single server" : "not distributed")
                        + ": the policies read the claims through (select auth_org_id()), once per statement")
                : Verdict.fail("not distributed, but these policies call a claims helper without (select …), which is"
                        + " evaluated for every plan, slower on one server (ADR 0007): " + wrong
                        + " (alter policy … using (org_id = (select public.auth_org_id())), as the migrations write it)");
    }

    Verdict settings() throws SQLException {
        if (kind() != Kind.DISTRIBUTED) {
            return Verdict.pass(kind() == Kind.SINGLE_SERVER ? NOT_DISTRIBUTED : "not distributed");
        }
        List<String> present = catalog.strings("select unnest(s.setconfig) from pg_db_role_setting s"
                + " join pg_database d on d.oid = s.setdatabase where d.datname = current_database() and s.setrole = 0");
        String database = catalog.strings("select current_database()").get(0);
        List<String> fixes = new ArrayList<>();
        for (String setting : Distributor.SETTINGS) {
            if (!present.contains(setting)) {
                String[] nameValue = setting.split("=", 2);
                fixes.add("alter database " + identifier(database) + " set " + nameValue[0] + " = '" + nameValue[1] + "'");
            }
        }
        List<String> search = catalog.strings("select unnest(p.proconfig) from pg_proc p"
                + " where p.oid = to_regprocedure('public.search_contact_ids(text)')");
        List<String> searchFixes = new ArrayList<>();
        for (String setting : Distributor.SEARCH_SETTINGS) {
            if (!search.contains(setting)) {
                String[] nameValue = setting.split("=", 2);
                searchFixes.add("alter function public.search_contact_ids(text) set " + nameValue[0] + " = " + nameValue[1]);
            }
        }
        List<String> notification = catalog.strings("select unnest(coalesce(p.proconfig, array[]::text[]) || array["
                + "case when strpos(p.prosrc, '" + Distributor.SERVICE_SESSION_CHECK.replace("'", "''") + "') > 0"
                + " then 'service check' else '' end]) from pg_proc p"
                + " where p.oid = to_regprocedure('" + Distributor.CREATE_NOTIFICATION + "')");
        List<String> notificationFixes = new ArrayList<>();
        for (String setting : Distributor.NOTIFICATION_SETTINGS) {
            if (!notification.contains(setting)) {
                String[] nameValue = setting.split("=", 2);
                notificationFixes.add("alter function " + Distributor.CREATE_NOTIFICATION + " set " + nameValue[0]
                        + " = " + nameValue[1]);
            }
        }
        if (!notification.isEmpty() && !notification.contains("service check")) {
            notificationFixes.add("its service check does not accept the service's session on a worker");
        }
        List<String> archive = catalog.strings("select unnest(coalesce(p.proconfig, array[]::text[]) || array["
                + "case when strpos(p.prosrc, '" + Distributor.ARCHIVE_FLAG_BY_SET_LOCAL.replace("'", "''") + "') > 0"
                + " then 'flag by set local' else '' end]) from pg_proc p"
                + " where p.oid = to_regprocedure('" + Distributor.ARCHIVE + "')");
        List<String> archiveFixes = new ArrayList<>();
        if (!archive.isEmpty() && !archive.contains("flag by set local")) {
            archiveFixes.add("its body is not the distributed form (the flag by SET LOCAL from a DO block, which reaches"
                    + " the workers' append-only trigger where set_config does not; an event per organization archived)");
        }
        for (String setting : Distributor.ARCHIVE_SETTINGS) {
            if (!archive.isEmpty() && !archive.contains(setting)) {
                String[] nameValue = setting.split("=", 2);
                archiveFixes.add("alter function " + Distributor.ARCHIVE + " set " + nameValue[0] + " = " + nameValue[1]);
            }
        }
        boolean auditEventInsertsWithoutOrganization = catalog.strings("select case when strpos(p.prosrc, '"
                + Distributor.AUDIT_EVENT_NEEDS_ORGANIZATION + "') = 0 then 'inserts' else 'refuses' end from pg_proc p"
                + " where p.oid = to_regprocedure('" + Distributor.LOG_AUDIT_EVENT + "')").contains("inserts");
        List<String> notifying = catalog.strings("select t.tgname from pg_trigger t"
                + " where t.tgrelid = to_regclass('public.notifications') and not t.tgisinternal and t.tgenabled <> 'D'"
                + " and t.tgfoid = to_regprocedure('public.notifications_notify()') order by 1");
        // With a distribution argument, Citus 13.2.2 ends the coordinator's server process for a query any role
        // can plan (select f(…) from (select 1) s), whether or not it may execute f (ADR 0023)
        List<String> withArgument = catalog.strings("select o.objid::regprocedure::text from pg_catalog.pg_dist_object o"
                + " where o.classid = 'pg_catalog.pg_proc'::regclass and o.distribution_argument_index is not null order by 1");
        if (fixes.isEmpty() && searchFixes.isEmpty() && notificationFixes.isEmpty() && archiveFixes.isEmpty()
                && !auditEventInsertsWithoutOrganization && notifying.isEmpty() && withArgument.isEmpty()) {
            return Verdict.pass(String.join(", ", Distributor.SETTINGS) + "; search_contact_ids: "
                    + String.join(", ", Distributor.SEARCH_SETTINGS) + "; create_notification: "
                    + String.join(", ", Distributor.NOTIFICATION_SETTINGS) + " and the service's session on a worker;"
                    + " archive_old_audit_logs: its flag by SET LOCAL, an event per organization, "
                    + String.join(", ", Distributor.ARCHIVE_SETTINGS) + "; log_audit_event: refuses an event without"
                    + " an organization; no NOTIFY trigger on notifications;"
                    + " no function with a distribution argument");
        }
        List<String> problems = new ArrayList<>();
        if (!fixes.isEmpty()) {
            problems.add("missing: without citus.propagate_set_commands = 'local' a SET LOCAL does not reach the workers,"
                    + " without citus.enable_unsafe_triggers a migration cannot change a trigger. Fix: " + String.join("; ", fixes));
        }
        if (!searchFixes.isEmpty()) {
            problems.add("search_contact_ids is not set up for Citus (contact search fails there: 0A000 with a generic plan,"
                    + " XX000 from a shard query; ADR 0019). Fix: " + String.join("; ", searchFixes) + " (voxanne distribute does it)");
        }
        if (!notificationFixes.isEmpty()) {
            problems.add("create_notification is not set up for Citus (a unit that creates a notification and writes as"
                    + " the caller fails there: the DAO calls it on the clinic's worker; ADR 0023). Fix: "
                    + String.join("; ", notificationFixes) + " (voxanne distribute does it)");
        }
        if (!archiveFixes.isEmpty()) {
            problems.add("archive_old_audit_logs is not set up for Citus (the audit archive fails there: the workers refuse"
                    + " its delete, and audit_logs refuses an event without an organization; ADR 0024): "
                    + String.join("; ", archiveFixes) + ". Fix: voxanne distribute (VoxanneSchema.distribute()), which"
                    + " rewrites its body where it reads as V14 wrote it; another body needs the same changes by hand");
        }
        if (auditEventInsertsWithoutOrganization) {
            problems.add("log_audit_event is not set up for Citus (an event without an organization has no shard there"
                    + " and fails in Citus's words instead of the function's). Fix: voxanne distribute"
                    + " (VoxanneSchema.distribute()), which adds the refusal where the insert reads as V14 wrote it");
        }
        if (!notifying.isEmpty()) {
            problems.add("notifications NOTIFY on the workers, where nobody listens, and a transaction changing"
                    + " notifications on two workers fails at commit (0A000; ADR 0022). Fix: "
                    + String.join("; ", notifying.stream()
                            .map(t -> "alter table public.notifications disable trigger " + identifier(t)).toList())
                    + " (voxanne distribute does it)");
        }
        if (!withArgument.isEmpty()) {
            problems.add("functions distributed with a distribution argument: " + String.join(", ", withArgument)
                    + "; with one, Citus 13.2.2 ends the coordinator's server process for a query any role can send"
                    + " (select f(…) from (select 1) s), every clinic's sessions with it (ADR 0023). Fix: "
                    + String.join("; ", withArgument.stream()
                            .map(f -> "select create_distributed_function('" + f.replace("'", "''") + "')").toList())
                    + " (the same function, without a distribution argument)");
        }
        return Verdict.fail(String.join("; ", problems));
    }

    /** A database name as SQL needs it: bare when it is a plain lower-case identifier, else double-quoted. */
    private static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
