package com.voxanne.schema.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the verification checklist expects to find: Voxanne's tables, columns, enums, indexes and functions. */
final class Expectations {

    private Expectations() {
    }

    /** Tables whose rows belong to one organization (org_id, tenant policies, immutable org_id, audit). */
    static final List<String> TENANT_TABLES = List.of("contacts", "appointments", "notifications", "processed_webhook_events");

    /**
     * Every table Voxanne's migrations create in public (the legacy calls and call_logs of an adopted
     * database included). Every other table there is a service's, judged by {@link ServiceTableChecks}.
     */
    static final List<String> VOXANNE_TABLES = List.of("organizations", "contacts", "appointments", "notifications",
            "processed_webhook_events", "audit_logs", "calls", "call_logs", "voxanne_migration_report",
            "voxanne_security_baseline", "voxanne_schema_history");

    /** The columns of a Flyway schema history table: a table with all of them is one, whoever's it is. */
    static final List<String> FLYWAY_HISTORY_COLUMNS = List.of("installed_rank", "version", "description", "type",
            "script", "checksum", "installed_by", "installed_on", "execution_time", "success");

    /** Tables with an updated_at column kept by trigger. */
    static final List<String> UPDATED_AT_TABLES = List.of("organizations", "contacts", "appointments", "notifications");

    /** Tables whose row changes the audit trigger records. */
    static final List<String> AUDITED_TABLES = List.of("organizations", "contacts", "appointments", "notifications",
            "processed_webhook_events");

    /** Tables an authenticated user works with through org-scoped policies (webhooks are service-only). */
    static final List<String> USER_TABLES = List.of("contacts", "appointments", "notifications");

    /** Voxanne's tables, with the columns the data layer relies on. */
    static final Map<String, List<String>> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("organizations", List.of("id", "name", "status", "created_at", "updated_at"));
        TABLES.put("contacts", List.of("id", "org_id", "name", "phone", "email", "service_interests", "lead_score",
                "lead_status", "last_contact_at", "notes", "created_at", "updated_at"));
        TABLES.put("appointments", List.of("id", "org_id", "contact_id", "service_type", "scheduled_at",
                "duration_minutes", "status", "calendar_link", "confirmation_sent", "deleted_at", "created_at", "updated_at"));
        TABLES.put("notifications", List.of("id", "org_id", "user_id", "type", "title", "message", "related_entity_id",
                "related_entity_type", "status", "read_at", "action_url", "priority", "channels", "expires_at",
                "created_at", "updated_at"));
        TABLES.put("processed_webhook_events", List.of("id", "org_id", "event_id"));
        TABLES.put("audit_logs", List.of("id", "event_type", "operation", "schema_name", "table_name", "database_user",
                "authenticated_user", "org_id", "statement_text", "row_data", "event_time", "client_addr"));
    }

    /** Voxanne's enums with their labels, in order. */
    static final Map<String, List<String>> ENUMS = new LinkedHashMap<>();

    static {
        ENUMS.put("appointment_status", List.of("pending", "confirmed", "in_progress", "completed", "cancelled", "no_show"));
        ENUMS.put("lead_score_type", List.of("hot", "warm", "cold"));
        ENUMS.put("lead_status_type", List.of("new", "contacted", "qualified", "booked", "converted", "lost"));
        ENUMS.put("notification_type", List.of("hot_lead", "appointment_booked", "appointment_reminder", "missed_call",
                "system_alert", "voicemail"));
        ENUMS.put("notification_status", List.of("unread", "read", "archived"));
        ENUMS.put("notification_priority", List.of("low", "normal", "high", "urgent"));
    }

    /** Voxanne's named indexes. */
    static final List<String> INDEXES = List.of(
            "idx_appointments_org_scheduled_at", "idx_appointments_contact", "idx_appointments_org_status",
            "idx_appointments_upcoming",
            "uq_contacts_org_phone", "idx_contacts_org_status_updated", "idx_contacts_org_phone",
            "idx_contacts_org_created", "idx_contacts_service_interests", "idx_contacts_last_contact",
            "idx_contacts_org_updated",
            "idx_notifications_user_unread", "idx_notifications_created_desc", "idx_notifications_expires",
            "idx_notifications_org", "idx_notifications_entity");

    /**
     * The contact search (V11, V13): SECURITY DEFINER so an index serves its search under RLS; it filters
     * by the caller's own organization and is executable by authenticated and service_role only.
     */
    static final String SEARCH_FUNCTION = "public.search_contact_ids(text)";

    /** The contact search's token index (V13), a GIN on the token function below. */
    static final String SEARCH_INDEX = "idx_contacts_search_tokens";
    /** The largest pending list of the search token index, in kB (V18's gin_pending_list_limit). */
    static final int SEARCH_INDEX_PENDING_LIST_KB = 64;

    /** The IMMUTABLE function whose tokens the search index holds (V13). */
    static final String SEARCH_TOKENS_FUNCTION = "public.contact_search_tokens(uuid,text,text,text)";

    /**
     * The functions Voxanne creates in schema public. Each must resolve names so that no temporary object
     * can win: a SQL-standard body (parsed when created) or a search_path that names pg_temp last.
     */
    static final List<String> VOXANNE_FUNCTIONS = List.of("appointment_time_range", "archive_old_audit_logs",
            "audit_logs_append_only", "audit_row_change", "audit_statement_change", "auth_org_id", "auth_user_id",
            "contact_search_tokens", "create_notification", "detect_suspicious_activity", "expire_old_notifications", "get_org_audit_logs",
            "is_service_role_caller", "log_audit_event", "notifications_check_user_org", "notifications_notify",
            "prevent_org_id_change", "search_contact_ids", "set_updated_at");

    /**
     * The functions of Voxanne's auth shim in schema auth (plain PostgreSQL only; on Supabase the platform
     * owns them). Recognised by their comment and by having the same owner as public.auth_org_id().
     */
    static final List<String> AUTH_SHIM_FUNCTIONS = List.of("uid", "role", "email", "jwt");

    /** How the auth shim's objects are marked: their comment starts with this. */
    static final String AUTH_SHIM_MARK = "voxanne auth shim";

    /** The search_path Voxanne's functions that have one are declared with: pg_temp last. */
    static final List<String> SEARCH_PATH = List.of("pg_catalog", "pg_temp");

    /** The roles API requests act as. */
    static final List<String> API_ROLES = List.of("anon", "authenticated", "service_role");

    /** SECURITY DEFINER helpers only the service role may execute. */
    static final List<String> SERVICE_ONLY_FUNCTIONS = List.of("expire_old_notifications", "log_audit_event",
            "get_org_audit_logs", "detect_suspicious_activity", "archive_old_audit_logs");
}
