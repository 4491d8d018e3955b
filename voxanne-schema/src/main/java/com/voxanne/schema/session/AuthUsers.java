package com.voxanne.schema.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Objects;
import java.util.UUID;

/**
 * Creates users the way Supabase's sign-up leaves them: a row of {@code auth.users} whose
 * {@code app_metadata} (which users cannot edit, unlike {@code user_metadata}) names their organization.
 * That is what {@code create_notification} and the notification triggers check membership against. For
 * fixtures, demos and probes; a production user comes from the auth server.
 */
public final class AuthUsers {

    private static final String INSERT = "insert into auth.users (id, email, aud, role, raw_app_meta_data)"
            + " values (?, ?, 'authenticated', 'authenticated', jsonb_build_object('org_id', ?::text))";

    private AuthUsers() {
    }

    /**
     * Inserts user {@code id} of {@code organizationId} on {@code connection}, which must be allowed to
     * write {@code auth.users} (the migrating or admin role; no API role is).
     */
    public static void create(Connection connection, UUID id, String email, UUID organizationId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            ps.setObject(1, Objects.requireNonNull(id, "id"));
            ps.setString(2, email);
            ps.setString(3, Objects.requireNonNull(organizationId, "organizationId").toString());
            ps.executeUpdate();
        }
    }
}
