package com.voxanne.schema.internal;

import com.voxanne.schema.VerifyCheck;
import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.schema.VoxanneSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Voxanne's verification checklist, run against a live database: which checks, in which order. The
 * catalog checks ({@link SchemaChecks}, {@link SecurityChecks}, {@link ServiceTableChecks}, {@link DistributionChecks}) read pg_catalog
 * through {@link Catalog}; the {@link Probes} act as a user, anon or the service role. On a single server all
 * of it runs in one transaction that is always rolled back, so verifying leaves no trace and executes no DDL;
 * on a distributed database the probes' seed is committed before them and removed after them, in
 * transactions of their own ({@link Probes}).
 */
final class Verifier {

    private final DataSource dataSource;
    /** Voxanne's history table and the configured services': history tables by name, whatever their shape. */
    private final List<String> historyTables;

    /** The checklist on {@code dataSource}; {@code serviceHistoryTables} are the configured services'. */
    Verifier(DataSource dataSource, List<String> serviceHistoryTables) {
        this.dataSource = dataSource;
        List<String> tables = new ArrayList<>(List.of(VoxanneSchema.HISTORY_TABLE));
        tables.addAll(serviceHistoryTables);
        this.historyTables = List.copyOf(tables);
    }

    /** A catalog check's body. */
    @FunctionalInterface
    private interface CatalogCheck {
        Verdict run() throws SQLException;
    }

    /** Runs the checklist; {@code history} are the migration-history items, computed by the caller. */
    VerifyReport run(List<Check> history) {
        List<Check> checks = new ArrayList<>(history);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Catalog catalog = new Catalog(c);
                SchemaChecks schema = new SchemaChecks(catalog);
                checks.add(check(VerifyCheck.TABLES_AND_COLUMNS, schema::tablesAndColumns));
                checks.add(check(VerifyCheck.ENUMS, schema::enums));
                checks.add(check(VerifyCheck.INDEX_NAMES, schema::indexNames));
                checks.add(check(VerifyCheck.RLS_ENABLED_AND_FORCED, schema::rlsEnabledAndForced));
                checks.add(check(VerifyCheck.POLICIES, schema::policies));
                checks.add(check(VerifyCheck.ORG_ID_IMMUTABILITY_TRIGGERS, schema::orgIdImmutabilityTriggers));
                checks.add(check(VerifyCheck.UPDATED_AT_TRIGGERS, schema::updatedAtTriggers));
                checks.add(check(VerifyCheck.INDEXES_LED_BY_ORG_ID, schema::indexesLedByOrgId));
                checks.add(check(VerifyCheck.FOREIGN_KEYS, schema::foreignKeys));
                checks.add(check(VerifyCheck.CONTACT_PHONE_UNIQUE, schema::contactPhoneUnique));
                checks.add(check(VerifyCheck.WEBHOOK_EVENTS_UNIQUE, schema::webhookEventsUnique));
                checks.add(check(VerifyCheck.SERVICE_ROLE_PRIVILEGES, schema::serviceRolePrivileges));
                checks.add(check(VerifyCheck.ANON_TABLE_PRIVILEGES, schema::anonTablePrivileges));
                checks.add(check(VerifyCheck.API_ROLES, schema::apiRoles));
                checks.add(check(VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, schema::functionGrantsAndSearchPath));
                checks.add(check(VerifyCheck.FUNCTION_NAME_RESOLUTION, () -> SecurityChecks.nameResolution(catalog)));
                checks.add(check(VerifyCheck.TEMPORARY_OBJECTS, () -> SecurityChecks.temporaryObjects(catalog)));
                checks.add(check(VerifyCheck.DEFAULT_FUNCTION_PRIVILEGES, () -> SecurityChecks.defaultPrivileges(catalog)));
                checks.add(check(VerifyCheck.API_ROLE_TIME_LIMITS, () -> SecurityChecks.roleTimeLimits(catalog)));
                checks.add(check(VerifyCheck.CONTACT_SEARCH_FUNCTION, schema::contactSearchFunction));
                checks.add(check(VerifyCheck.CONTACT_SEARCH_INDEX, schema::contactSearchIndex));
                checks.add(check(VerifyCheck.COLLATION_VERSION, schema::collationVersion));
                checks.add(check(VerifyCheck.AUDIT_TRIGGERS, schema::auditTriggers));
                checks.add(check(VerifyCheck.PGAUDIT, schema::pgaudit));
                checks.add(check(VerifyCheck.LEGACY_WEBHOOK_BACKFILL, schema::legacyWebhookBackfill));

                ServiceTableChecks services = new ServiceTableChecks(catalog, historyTables);
                checks.add(check(VerifyCheck.MIGRATION_HISTORY_PRIVILEGES, services::history));
                checks.add(check(VerifyCheck.SERVICE_TENANT_TABLES_RLS, services::tenantRls));
                checks.add(check(VerifyCheck.SERVICE_TENANT_TABLES_POLICIES, services::tenantPolicies));
                checks.add(check(VerifyCheck.SERVICE_TABLES_ANON, services::anon));
                checks.add(check(VerifyCheck.SERVICE_TABLES_WITHOUT_ORG_ID, services::notTenantKeyed));

                DistributionChecks distribution = new DistributionChecks(catalog);
                checks.add(check(VerifyCheck.DISTRIBUTED_TABLES, distribution::distributedTables));
                checks.add(check(VerifyCheck.REFERENCE_TABLES, distribution::referenceTables));
                checks.add(check(VerifyCheck.POLICY_FORM, distribution::policyForm));
                checks.add(check(VerifyCheck.DISTRIBUTION_SETTINGS, distribution::settings));

                checks.addAll(probes(new Probes(c)));
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            checks.add(new Check(VerifyCheck.CONNECTION, Status.FAIL, "cannot verify: " + SqlFailures.describe(e)));
        }
        return new VerifyReport(checks);
    }

    /** A catalog check; one whose query fails FAILs with the reason, and the next check runs. */
    private static Check check(VerifyCheck id, CatalogCheck body) {
        Verdict verdict;
        try {
            verdict = body.run();
        } catch (SQLException e) {
            verdict = Verdict.fail("could not be checked: " + SqlFailures.describe(e));
        }
        return new Check(id, verdict.status(), verdict.reason());
    }

    /**
     * The probes, then the removal of their seed where it was committed (a distributed database), even
     * when a probe failed. Seed data left behind FAILs every probe's item, with the reason.
     */
    private static List<Check> probes(Probes probes) {
        List<Check> checks = new ArrayList<>();
        String leftBehind;
        probes.seed();
        try {
            checks.add(probe(VerifyCheck.ORG_ID_IMMUTABLE_PROBE, probes, probes::orgIdImmutable));
            checks.add(probe(VerifyCheck.ORG_ISOLATION_PROBE, probes, probes::orgIsolation));
            checks.add(probe(VerifyCheck.USER_NOTIFICATIONS_PROBE, probes, probes::userNotifications));
            checks.add(probe(VerifyCheck.SEARCH_ISOLATION_PROBE, probes, probes::searchIsolation));
            checks.add(probe(VerifyCheck.AUDIT_FUNCTIONS_PROBE, probes, probes::auditFunctions));
        } finally {
            leftBehind = probes.cleanup();
        }
        if (leftBehind == null) {
            return checks;
        }
        return checks.stream().map(check -> new Check(check.id(), Status.FAIL,
                (check.status() == Status.PASS ? "" : check.reason() + "; ") + leftBehind)).toList();
    }

    private static Check probe(VerifyCheck id, Probes probes, Probes.Probe body) {
        Verdict verdict = probes.run(body);
        return new Check(id, verdict.status(), verdict.reason());
    }
}
