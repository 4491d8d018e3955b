package com.voxanne.testkit.internal;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.User;
import java.util.Optional;
import java.util.UUID;

/**
 * Whom a probe acts as, with the words failure messages use for it.
 *
 * @param claims what is bound
 * @param description for messages, naming the user and its organization
 */
record Principal(RequestClaims claims, String description) {

    static Principal of(User user) {
        return new Principal(user.claims(), "user '" + user.name() + "' (" + user.id() + ") of " + describe(user.organization()));
    }

    static Principal anon() {
        return new Principal(RequestClaims.anonymous(), "anon (nobody signed in)");
    }

    static Principal service() {
        return new Principal(RequestClaims.service(), "service_role");
    }

    static String describe(Organization organization) {
        return "organization '" + organization.name() + "' (" + organization.id() + ")";
    }

    Optional<UUID> organizationId() {
        return claims.organizationId();
    }
}
