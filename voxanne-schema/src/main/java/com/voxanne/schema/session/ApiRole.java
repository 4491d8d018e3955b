package com.voxanne.schema.session;

/** The database roles a request runs as (Supabase's names; the migrations create them where absent). */
public enum ApiRole {
    /** No signed-in user: sees nothing of any tenant. */
    ANON("anon"),
    /** A signed-in user of one organization: row-level security scopes every row to it. */
    AUTHENTICATED("authenticated"),
    /** Backend work across organizations (BYPASSRLS); only for named service scopes. */
    SERVICE_ROLE("service_role");

    private final String roleName;

    ApiRole(String roleName) {
        this.roleName = roleName;
    }

    /** The role's name in the database. */
    public String roleName() {
        return roleName;
    }
}
