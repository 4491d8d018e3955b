package com.voxanne.spring.boot.web;

import org.springframework.security.access.AccessDeniedException;

/**
 * An authenticated request whose credentials carry no valid organization or user (a missing
 * {@code app_metadata.org_id}, a {@code sub} that is not a UUID, a token that is not a JWT). An
 * {@link AccessDeniedException}, so Spring Security answers 403. The message names the claim and the
 * rule, never the claim's value.
 */
public class OrgContextDeniedException extends AccessDeniedException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the claim and the rule it breaks. */
    public OrgContextDeniedException(String message) {
        super(message);
    }
}
