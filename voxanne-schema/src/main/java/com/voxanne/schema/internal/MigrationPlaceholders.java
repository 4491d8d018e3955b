package com.voxanne.schema.internal;

import com.voxanne.schema.SchemaException;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The placeholders a migration writes a tenant policy's caller with, so that one script works on one
 * server and on a database distributed by Citus (ADR 0026).
 *
 * <p>On one server a policy reads the caller as a scalar subquery, {@code (select public.auth_org_id())},
 * computed once per statement (ADR 0007). Citus refuses a subquery in a policy on a distributed table
 * ("Subqueries are not supported in policies on distributed tables"), so there the same policy must call
 * the function directly. A migration that creates or alters a tenant policy writes
 * {@code ${voxanne:auth_org_id}} (and {@code ${voxanne:auth_user_id}} for the user), and
 * {@link SchemaOperations} has Flyway put in the form the database needs, decided from the database as it
 * is when {@code migrate} starts. Flyway's checksum is taken before placeholders are replaced, so a script
 * applied in one form validates in the other after the database is distributed.
 */
public final class MigrationPlaceholders {

    /** The caller's organization, in the form a policy needs on the database's kind. */
    public static final String AUTH_ORG_ID = "voxanne:auth_org_id";
    /** The calling user, in the form a policy needs on the database's kind. */
    public static final String AUTH_USER_ID = "voxanne:auth_user_id";

    private static final Pattern VOXANNE_PLACEHOLDER = Pattern.compile("\\$\\{(voxanne:[^}]*)}");

    private MigrationPlaceholders() {
    }

    /** The placeholders and their values on a database of {@code placement}, as Flyway is given them. */
    public static Map<String, String> values(Placement placement) {
        return switch (placement) {
            case SINGLE_SERVER -> Map.of(AUTH_ORG_ID, "(select public.auth_org_id())",
                    AUTH_USER_ID, "(select public.auth_user_id())");
            case DISTRIBUTED -> Map.of(AUTH_ORG_ID, "public.auth_org_id()", AUTH_USER_ID, "public.auth_user_id()");
        };
    }

    /**
     * {@code script} with its {@code ${voxanne:…}} placeholders replaced as Flyway replaces them, for a
     * script run outside Flyway (a rollback script, a migration applied by hand).
     *
     * @param name the script's name, for the message
     * @throws SchemaException when the script names a {@code voxanne:} placeholder that does not exist
     */
    public static String resolve(String script, String name, Placement placement) {
        Map<String, String> values = values(placement);
        Matcher m = VOXANNE_PLACEHOLDER.matcher(script);
        StringBuilder out = new StringBuilder(script.length());
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new SchemaException(name + " names the placeholder ${" + m.group(1) + "}, which does not exist;"
                        + " the placeholders are ${" + AUTH_ORG_ID + "} and ${" + AUTH_USER_ID + "}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
