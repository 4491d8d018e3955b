package com.voxanne.schema.session;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Who a request is: the role it runs as and the JWT claims row-level security reads
 * ({@code sub} = user, {@code app_metadata.org_id} = organization). Immutable.
 */
public final class RequestClaims {

    private final ApiRole role;
    private final UUID organizationId;
    private final UUID userId;

    private RequestClaims(ApiRole role, UUID organizationId, UUID userId) {
        this.role = role;
        this.organizationId = organizationId;
        this.userId = userId;
    }

    /** A signed-in user of an organization, running as {@code authenticated}. */
    public static RequestClaims user(UUID organizationId, UUID userId) {
        return new RequestClaims(ApiRole.AUTHENTICATED,
                Objects.requireNonNull(organizationId, "organizationId"), Objects.requireNonNull(userId, "userId"));
    }

    /** Backend work, running as {@code service_role}, on behalf of no user. */
    public static RequestClaims service() {
        return new RequestClaims(ApiRole.SERVICE_ROLE, null, null);
    }

    /** Backend work for one organization, running as {@code service_role}. */
    public static RequestClaims service(UUID organizationId) {
        return new RequestClaims(ApiRole.SERVICE_ROLE, Objects.requireNonNull(organizationId, "organizationId"), null);
    }

    /** Nobody signed in, running as {@code anon}. */
    public static RequestClaims anonymous() {
        return new RequestClaims(ApiRole.ANON, null, null);
    }

    /** The role the request runs as. */
    public ApiRole role() {
        return role;
    }

    /** The organization in the claims, if any. */
    public Optional<UUID> organizationId() {
        return Optional.ofNullable(organizationId);
    }

    /** The user in the claims ({@code sub}), if any. */
    public Optional<UUID> userId() {
        return Optional.ofNullable(userId);
    }

    /**
     * The claims as PostgREST puts them in {@code request.jwt.claims}. Every value is a UUID or a fixed
     * role name, so no escaping is needed.
     */
    public String toJson() {
        StringBuilder json = new StringBuilder("{");
        if (userId != null) {
            json.append("\"sub\":\"").append(userId).append("\",");
        }
        json.append("\"role\":\"").append(role.roleName()).append('"');
        if (organizationId != null) {
            json.append(",\"app_metadata\":{\"org_id\":\"").append(organizationId).append("\"}");
        }
        return json.append('}').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestClaims other && role == other.role
                && Objects.equals(organizationId, other.organizationId) && Objects.equals(userId, other.userId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(role, organizationId, userId);
    }

    @Override
    public String toString() {
        return "RequestClaims" + toJson();
    }
}
