package com.voxanne.dao;

import java.util.Objects;
import java.util.UUID;

/**
 * The tenant a unit of work acts for: an organization and the user acting in it, taken from the
 * caller's verified JWT ({@code app_metadata.org_id} and {@code sub}). Immutable; required by every
 * tenant repository.
 */
public final class OrgContext {

    private final UUID organizationId;
    private final UUID userId;

    private OrgContext(UUID organizationId, UUID userId) {
        this.organizationId = organizationId;
        this.userId = userId;
    }

    /**
     * The context of {@code userId} acting in {@code organizationId}.
     *
     * @throws TenantContextException when either is missing
     */
    public static OrgContext of(UUID organizationId, UUID userId) {
        if (organizationId == null) {
            throw new TenantContextException("an OrgContext needs an organization id");
        }
        if (userId == null) {
            throw new TenantContextException("an OrgContext needs the acting user's id");
        }
        return new OrgContext(organizationId, userId);
    }

    /**
     * Parses the two ids as they come in a JWT.
     *
     * @throws TenantContextException when either is missing or not a UUID
     */
    public static OrgContext parse(String organizationId, String userId) {
        return of(uuid("organization id", organizationId), uuid("user id", userId));
    }

    private static UUID uuid(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new TenantContextException("an OrgContext needs the " + what);
        }
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            // not echoed: a caller that passes the wrong string may pass an e-mail address or a name
            throw new TenantContextException("the " + what + " is not a UUID");
        }
    }

    /** The organization (clinic). */
    public UUID organizationId() {
        return organizationId;
    }

    /** The acting user. */
    public UUID userId() {
        return userId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrgContext other && organizationId.equals(other.organizationId) && userId.equals(other.userId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(organizationId, userId);
    }

    @Override
    public String toString() {
        return "OrgContext[org=" + organizationId + ", user=" + userId + "]";
    }
}
