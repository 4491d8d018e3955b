package com.voxanne.schema;

import java.util.Objects;

/**
 * {@link LoginRole#apply()} refused the role: it may not be made the DAO's login role as asked, and
 * nothing was changed. {@link #reason()} says why, the message says it in words (never a password).
 */
public final class LoginRoleRefusedException extends SchemaException {
    private static final long serialVersionUID = 1L;

    /** Why a role was refused. */
    public enum Reason {
        /** It is the role the data source's connections are logged in as (the operator's own login). */
        OPERATOR,
        /** It is a superuser, BYPASSRLS or REPLICATION: only a superuser could remove that. */
        PRIVILEGED,
        /** It owns something in the database (the migration owner, say): an owner bypasses row-level security. */
        OWNS_OBJECTS,
        /** It is a member of a role other than {@code anon}, {@code authenticated} and {@code service_role}. */
        OTHER_MEMBERSHIP,
        /** It does not exist, and no password was given to create it with. */
        PASSWORD_NEEDED
    }

    private final Reason reason;
    private final String role;

    /** For {@code role}, with the reason and its explanation. */
    public LoginRoleRefusedException(Reason reason, String role, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.role = Objects.requireNonNull(role, "role");
    }

    /** Why the role was refused. */
    public Reason reason() {
        return reason;
    }

    /** The refused role's name. */
    public String role() {
        return role;
    }
}
