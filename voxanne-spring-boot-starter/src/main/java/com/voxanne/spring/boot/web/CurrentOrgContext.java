package com.voxanne.spring.boot.web;

import com.voxanne.dao.OrgContext;
import java.util.Objects;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The {@link OrgContext} of the request being served, from Spring Security's context of the current
 * thread: inject this bean where a controller's {@code OrgContext} parameter is not at hand (a service
 * called by the controller). Fails closed, never with a default organization: no authenticated user is
 * {@link AuthenticationCredentialsNotFoundException} (Spring Security answers 401), an authenticated one
 * without a valid organization or user is {@link OrgContextDeniedException} (403).
 */
public final class CurrentOrgContext {

    private static final AuthenticationTrustResolver TRUST = new AuthenticationTrustResolverImpl();

    private final OrgContextResolver resolver;

    /** Resolving with {@code resolver}. */
    public CurrentOrgContext(OrgContextResolver resolver) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /**
     * The current request's context.
     *
     * @throws AuthenticationCredentialsNotFoundException when the thread has no authenticated user
     * @throws OrgContextDeniedException when the user's credentials carry no valid organization or user
     */
    public OrgContext get() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || TRUST.isAnonymous(authentication) || !authentication.isAuthenticated()) {
            throw new AuthenticationCredentialsNotFoundException(
                    "no authenticated user: an OrgContext needs a verified JWT with app_metadata.org_id and sub");
        }
        OrgContext context = resolver.resolve(authentication);
        if (context == null) {
            throw new OrgContextDeniedException("the OrgContextResolver found no OrgContext in the authentication");
        }
        return context;
    }
}
