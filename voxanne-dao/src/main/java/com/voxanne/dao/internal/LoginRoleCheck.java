package com.voxanne.dao.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Refuses a pool whose login role would make row-level security meaningless: a superuser or a
 * BYPASSRLS role sees every clinic's rows whatever the policies say.
 */
final class LoginRoleCheck {

    private LoginRoleCheck() {
    }

    /**
     * Checks the role {@code c} logged in as.
     *
     * @throws IllegalStateException naming the role and what is wrong with it
     */
    static void requireUnprivileged(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select session_user, r.rolsuper, r.rolbypassrls from pg_roles r"
                     + " where r.rolname = session_user")) {
            if (!rs.next()) {
                throw new IllegalStateException("cannot read the login role's attributes");
            }
            String role = rs.getString(1);
            if (rs.getBoolean(2) || rs.getBoolean(3)) {
                throw new IllegalStateException("the pool logs in as '" + role + "', which is "
                        + (rs.getBoolean(2) ? "a superuser" : "BYPASSRLS")
                        + ": row-level security would not apply and every clinic would see every other clinic's"
                        + " data. Log in as a role like Supabase's authenticator (NOSUPERUSER NOBYPASSRLS NOINHERIT,"
                        + " granted authenticated and service_role).");
            }
        }
    }
}
