package com.voxanne.schema;

/**
 * The items of {@link VoxanneSchema#verify()}'s checklist, in checklist order. The constant's name is the
 * item's stable id: scripts, monitoring and tests select an item by it ({@link VerifyReport#check}, the
 * {@code id} of {@code voxanne verify --json}); it is not renamed within a major version. The
 * {@linkplain #title() title} is for an operator and may be reworded in any release.
 *
 * <p>An item whose id ends in {@code _PROBE} acts as a user or the service role in a transaction that is
 * rolled back; every other item reads the catalog only. The probes' own organizations, users and rows are
 * written in that transaction on a single server; on a database distributed by Citus they are committed
 * before the probes and removed after them (an item FAILs when they could not be removed).
 */
public enum VerifyCheck {

    /** Every migration of Voxanne's is applied (or the baseline), none pending or failed. */
    MIGRATIONS_APPLIED("Migrations applied"),
    /**
     * Every migration of one configured {@link ServiceMigrations} is applied; one item per service, its
     * history table in {@link VerifyReport.Check#table()}.
     */
    SERVICE_MIGRATIONS_APPLIED("Service migrations applied"),
    /** Voxanne's tables exist with every expected column. */
    TABLES_AND_COLUMNS("Tables and columns"),
    /** Voxanne's enum types have exactly the expected labels, in order. */
    ENUMS("Enums"),
    /** Voxanne's named indexes exist. */
    INDEX_NAMES("Index names"),
    /** Row-level security is enabled and forced on every table of Voxanne's. */
    RLS_ENABLED_AND_FORCED("RLS enabled and forced"),
    /**
     * The policies on Voxanne's tables are for {@code authenticated} (scoped by the caller's organization)
     * and {@code service_role} only.
     */
    POLICIES("Policies"),
    /** Every tenant table has the trigger refusing a change of {@code org_id}. */
    ORG_ID_IMMUTABILITY_TRIGGERS("org_id immutability triggers"),
    /** Every table with {@code updated_at} has the trigger keeping it. */
    UPDATED_AT_TRIGGERS("updated_at triggers"),
    /** Every secondary index of a tenant table starts with {@code org_id}. */
    INDEXES_LED_BY_ORG_ID("Indexes led by org_id"),
    /** {@code org_id} references organizations everywhere; cross-table keys include {@code org_id}. */
    FOREIGN_KEYS("Foreign keys"),
    /** A contact's phone is unique within its organization. */
    CONTACT_PHONE_UNIQUE("Unique constraints (contacts.phone)"),
    /** A webhook event is unique per organization, not globally. */
    WEBHOOK_EVENTS_UNIQUE("Webhook events unique per (org_id, event_id)"),
    /** {@code service_role} may read and write every tenant table. */
    SERVICE_ROLE_PRIVILEGES("Service role can access all tables"),
    /** {@code anon} holds no privilege on any table of Voxanne's. */
    ANON_TABLE_PRIVILEGES("anon has no table privileges"),
    /** The API roles exist with the expected attributes (NOLOGIN; only {@code service_role} BYPASSRLS). */
    API_ROLES("API roles"),
    /**
     * SECURITY DEFINER functions have a fixed search_path and no EXECUTE for PUBLIC or {@code anon};
     * service-only helpers are not executable by {@code authenticated}.
     */
    FUNCTION_GRANTS_AND_SEARCH_PATH("Function grants and search_path"),
    /** No function of Voxanne's lets a temporary object take the place of a name it uses. */
    FUNCTION_NAME_RESOLUTION("Function name resolution"),
    /** Neither PUBLIC nor an API role may create temporary objects in the database. */
    TEMPORARY_OBJECTS("Temporary objects"),
    /** A function the verifying role creates in public is executable by neither PUBLIC, anon nor authenticated. */
    DEFAULT_FUNCTION_PRIVILEGES("Default privileges on new functions"),
    /** A direct login as {@code anon} or {@code authenticated} runs with a statement and a lock timeout (WARN only). */
    API_ROLE_TIME_LIMITS("API role time limits"),
    /** How the contact search function is declared: SECURITY DEFINER, STABLE, fixed search_path, who may execute it. */
    CONTACT_SEARCH_FUNCTION("Contact search function"),
    /** The contact search's token index is valid and its token function declared as the index needs. */
    CONTACT_SEARCH_INDEX("Contact search index"),
    /** The collation library has not changed version since the text indexes were built. */
    COLLATION_VERSION("Collation version (text indexes)"),
    /** Every audited table has its audit trigger. */
    AUDIT_TRIGGERS("Audit triggers"),
    /** The pgaudit extension is installed (WARN where the server does not preload it). */
    PGAUDIT("Audit logging enabled (pgaudit)"),
    /** What the legacy webhook backfill reported (WARN when rows went to the default organization). */
    LEGACY_WEBHOOK_BACKFILL("Legacy webhook backfill"),
    /** Neither {@code anon} nor {@code authenticated} may read or write a migration history table. */
    MIGRATION_HISTORY_PRIVILEGES("Migration history tables: API roles have no privileges"),
    /** Row-level security is enabled and forced on a service's tables that have {@code org_id}. */
    SERVICE_TENANT_TABLES_RLS("Service tenant tables: RLS enabled and forced"),
    /** The policies on a service's tenant tables are for {@code authenticated} and {@code service_role} only. */
    SERVICE_TENANT_TABLES_POLICIES("Service tenant tables: policies"),
    /** {@code anon} holds no privilege on a service's tables or views. */
    SERVICE_TABLES_ANON("Service tables: anon has no privileges"),
    /** A service's tables without {@code org_id} are not open to {@code authenticated} without row-level security (WARN only). */
    SERVICE_TABLES_WITHOUT_ORG_ID("Service tables without org_id"),
    /**
     * On a distributed database (Citus, after {@link VoxanneSchema#distribute()}): every tenant table is
     * distributed by {@code org_id} ({@code organizations} by {@code id}) in organizations' colocation
     * group. PASS, not distributed, on a single server; WARN where the citus extension is installed but no
     * table is distributed.
     */
    DISTRIBUTED_TABLES("Distribution: tenant tables by org_id, colocated"),
    /** On a distributed database: {@code auth.users} is a reference table. PASS, not distributed, elsewhere. */
    REFERENCE_TABLES("Distribution: auth.users a reference table"),
    /**
     * The tenant policies have the form of the database's kind: {@code (select auth_org_id())} on a single
     * server (computed once per statement, ADR 0007), {@code auth_org_id()} on a distributed database (Citus
     * refuses subqueries in policies on distributed tables).
     */
    POLICY_FORM("Policy form matches the database kind"),
    /**
     * On a distributed database: the database sets {@code citus.propagate_set_commands = 'local'} and
     * {@code citus.enable_unsafe_triggers = on}, and {@code search_contact_ids} has
     * {@code plan_cache_mode = force_custom_plan} and {@code citus.allow_nested_distributed_execution = on}
     * (docs/adr/0019), {@code create_notification} runs on the clinic's worker (docs/adr/0023),
     * {@code archive_old_audit_logs} sets its flag by {@code SET LOCAL}, records its event per organization and
     * has {@code plan_cache_mode = force_custom_plan} (docs/adr/0024), and no enabled trigger on
     * {@code notifications} calls {@code notifications_notify} (docs/adr/0022), and no function is distributed
     * with a distribution argument (with one, any role's query can end the coordinator's server process:
     * docs/adr/0023). PASS, not distributed, elsewhere.
     */
    DISTRIBUTION_SETTINGS("Distribution: database settings"),
    /** Changing a row's {@code org_id} is refused, to another organization and to NULL. */
    ORG_ID_IMMUTABLE_PROBE("org_id immutable (probe)"),
    /** A user sees and writes only their organization's rows; {@code anon} sees nothing. */
    ORG_ISOLATION_PROBE("Authenticated users see only their org's data (probe)"),
    /** A notification is seen by its own user only, not by a colleague in the same organization. */
    USER_NOTIFICATIONS_PROBE("Notifications are user-specific (probe)"),
    /** The contact search returns the caller's organization's contacts only; without an organization, nothing. */
    SEARCH_ISOLATION_PROBE("Contact search stays in the caller's organization (probe)"),
    /** The service role's audit and notification functions work, and a row change writes an audit row. */
    AUDIT_FUNCTIONS_PROBE("Audit functions work (probe)"),
    /** Verification could not run at all (no connection, or the connection failed); the only item then. */
    CONNECTION("Connection");

    private final String title;

    VerifyCheck(String title) {
        this.title = title;
    }

    /** What the item checks, in words for an operator (the CHECK column of {@code voxanne verify}). */
    public String title() {
        return title;
    }
}
