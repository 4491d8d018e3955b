package com.voxanne.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link LoginRole#apply()} did to the login role. It never holds the password.
 *
 * @param role the role's name
 * @param created whether the role was created (else it existed and was brought in line)
 * @param attributes the attributes set, upper case as in SQL ({@code "NOINHERIT"},
 *     {@code "CONNECTION LIMIT 20"}): every one a created role was created with, or those of an existing
 *     role that differed and were altered (empty when none did)
 * @param granted the roles granted to it, in grant order ({@code authenticated}, {@code service_role})
 * @param revoked the roles revoked from it ({@code anon}: no unit of the DAO runs as anon)
 * @param passwordSet whether its password was set (to a SCRAM-SHA-256 verifier); otherwise it was kept
 */
public record LoginRoleResult(String role, boolean created, List<String> attributes, List<String> granted,
                              List<String> revoked, boolean passwordSet) {

    /** Copies the lists. */
    public LoginRoleResult {
        Objects.requireNonNull(role, "role");
        attributes = List.copyOf(attributes);
        granted = List.copyOf(granted);
        revoked = List.copyOf(revoked);
    }

    /** True when anything was created, altered, granted, revoked or set. */
    public boolean changed() {
        return created || !attributes.isEmpty() || !granted.isEmpty() || !revoked.isEmpty() || passwordSet;
    }

    /** One line, for example {@code login role voxanne_app: altered NOINHERIT; revoked anon; password kept}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (created) {
            parts.add("created " + String.join(" ", attributes));
        } else if (!attributes.isEmpty()) {
            parts.add("altered " + String.join(" ", attributes));
        }
        if (!granted.isEmpty()) {
            parts.add("granted " + String.join(", ", granted));
        }
        if (!revoked.isEmpty()) {
            parts.add("revoked " + String.join(", ", revoked));
        }
        if (!created && attributes.isEmpty() && granted.isEmpty() && revoked.isEmpty()) {
            parts.add("already as required");
        }
        parts.add(passwordSet ? "password set" : "password kept");
        return "login role " + role + ": " + String.join("; ", parts);
    }
}
