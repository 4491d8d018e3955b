package com.voxanne.spring.boot.web;

import com.voxanne.dao.OrgContext;
import com.voxanne.dao.TenantContextException;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The claims contract of Supabase and Voxanne: the organization is {@code app_metadata.org_id} and the
 * user is {@code sub}, both UUIDs, in a JWT that Spring Security's resource server has verified. Anything
 * else is refused with {@link OrgContextDeniedException}: a principal that is not a JWT, a missing or
 * non-object {@code app_metadata}, a missing, non-text or non-UUID {@code org_id} or {@code sub}.
 */
public final class JwtClaimsOrgContextResolver implements OrgContextResolver {

    /** The claim holding the organization's object. */
    public static final String APP_METADATA = "app_metadata";
    /** The organization's key inside {@link #APP_METADATA}. */
    public static final String ORG_ID = "org_id";

    @Override
    public OrgContext resolve(Authentication authentication) {
        if (!(authentication.getPrincipal() instanceof Jwt jwt)) {
            throw new OrgContextDeniedException("the authentication is not a verified JWT: an OrgContext comes from"
                    + " the claims " + APP_METADATA + "." + ORG_ID + " and sub of one");
        }
        Object metadata = jwt.getClaims().get(APP_METADATA);
        if (!(metadata instanceof Map<?, ?> map)) {
            throw new OrgContextDeniedException("claim " + APP_METADATA + ": " + (metadata == null ? "missing" : "not an object")
                    + "; it must hold " + ORG_ID + ", the organization's UUID");
        }
        String organization = text(map.get(ORG_ID), APP_METADATA + "." + ORG_ID);
        String user = text(jwt.getClaims().get("sub"), "sub");
        try {
            return OrgContext.parse(organization, user);
        } catch (TenantContextException e) {
            // OrgContext's message names the id, never the value; the claim's name says where it came from
            throw new OrgContextDeniedException("claims " + APP_METADATA + "." + ORG_ID + " and sub: " + e.getMessage());
        }
    }

    private static String text(Object value, String claim) {
        if (value == null) {
            throw new OrgContextDeniedException("claim " + claim + ": missing");
        }
        if (!(value instanceof String s)) {
            throw new OrgContextDeniedException("claim " + claim + ": not a string (a UUID is expected)");
        }
        return s;
    }
}
