package com.voxanne.spring.boot.web;

import com.voxanne.dao.OrgContext;
import org.springframework.security.core.Authentication;

/**
 * Turns the request's verified authentication into the {@link OrgContext} its Voxanne units act for.
 * The auto-configured one is {@link JwtClaimsOrgContextResolver}; declare a bean of this type to map
 * other claims. An implementation never returns null and never falls back to a default organization.
 */
@FunctionalInterface
public interface OrgContextResolver {

    /**
     * The context of an authenticated request.
     *
     * @param authentication authenticated, never anonymous
     * @throws OrgContextDeniedException when it carries no valid organization or user; its message names
     *     the claim and the rule, never the claim's value
     */
    OrgContext resolve(Authentication authentication);
}
