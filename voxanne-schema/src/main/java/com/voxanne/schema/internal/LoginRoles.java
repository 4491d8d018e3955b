package com.voxanne.schema.internal;

import com.voxanne.schema.LoginRoleRefusedException;
import com.voxanne.schema.LoginRoleRefusedException.Reason;
import com.voxanne.schema.LoginRoleResult;
import com.voxanne.schema.SchemaException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Creates the production login role or brings an existing one in line, in one transaction, with
 * {@link LoginRoleSql}'s statements: what {@link com.voxanne.schema.LoginRole#apply()} does.
 *
 * <p>Only attributes that differ are altered, because a non-superuser operator ({@code postgres} on
 * Supabase) may not even restate some of them ({@code NOSUPERUSER}, {@code NOBYPASSRLS}). A role that
 * already has an attribute only a superuser could remove, owns something, or is a member of another role
 * is refused rather than repaired. The password reaches the server only as a SCRAM-SHA-256 verifier
 * computed here (PgJDBC's {@code alterUserPassword}), so that a server logging statements, pgaudit's
 * included, never logs it.
 *
 * <p>Not API: public only so that {@code com.voxanne.schema} and the command line can use it.
 */
public final class LoginRoles {

    /** The attributes a new role is created with, as {@link LoginRoleResult#attributes()} names them. */
    private static final List<String> NEW_ROLE_ATTRIBUTES = List.of("LOGIN", "NOINHERIT", "NOSUPERUSER", "NOBYPASSRLS",
            "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION");

    private LoginRoles() {
    }

    /**
     * Checks a login role's name without touching a database: a lower-case SQL identifier (so that it
     * needs no quoting and cannot carry SQL), and not a role of PostgreSQL or Supabase.
     *
     * @throws IllegalArgumentException saying which rule the name breaks
     */
    public static void checkName(String name) {
        if (name == null || !name.matches(LoginRoleSql.NAME_PATTERN)) {
            throw new IllegalArgumentException("the role name must be a lower-case SQL identifier such as voxanne_app"
                    + " (letters a-z, digits, _; at most 63), not " + (name == null ? "null" : "'" + name + "'"));
        }
        if (LoginRoleSql.RESERVED.contains(name) || LoginRoleSql.RESERVED_PREFIXES.stream().anyMatch(name::startsWith)) {
            throw new IllegalArgumentException("'" + name + "' is a role of PostgreSQL or Supabase, not one to make the"
                    + " DAO's login role; pick a name of your own such as voxanne_app");
        }
    }

    /**
     * Checks a connection limit: -1 (no limit) or more.
     *
     * @throws IllegalArgumentException when it is below -1
     */
    public static void checkConnectionLimit(int limit) {
        if (limit < -1) {
            throw new IllegalArgumentException("the connection limit must be -1 (no limit) or more, not " + limit);
        }
    }

    /**
     * Creates or aligns {@code role} on {@code dataSource}'s database, in one transaction; nothing changes
     * when it throws. Does not keep or zero {@code password}: the caller owns it.
     *
     * @param role a name {@link #checkName} accepts
     * @param password the new password, or {@code null} to keep the existing one
     * @param connectionLimit the connection limit to set, or {@code null} to leave it (-1 for a new role)
     * @throws LoginRoleRefusedException when the role may not be made the login role
     * @throws SchemaException when {@code authenticated} or {@code service_role} is missing, or the
     *     database fails (the message holds the SQLSTATE, never the password)
     */
    public static LoginRoleResult apply(DataSource dataSource, String role, char[] password, Integer connectionLimit) {
        checkName(role);
        if (connectionLimit != null) {
            checkConnectionLimit(connectionLimit);
        }
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                LoginRoleResult result = new Work(c, role, password, connectionLimit).run();
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            // SqlFailures words it without the statement: the ALTER ROLE of the password carries the verifier.
            throw new SchemaException("login role " + role + ": " + SqlFailures.describe(e), SqlFailures.scrub(e));
        }
    }

    private static void rollback(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** One run on one connection inside the transaction. */
    private static final class Work {
        private final Connection c;
        private final String role;
        private final char[] password;
        private final Integer connectionLimit;

        Work(Connection c, String role, char[] password, Integer connectionLimit) {
            this.c = c;
            this.role = role;
            this.password = password;
            this.connectionLimit = connectionLimit;
        }

        LoginRoleResult run() throws SQLException {
            refuseOperator();
            requireApiRoles();
            boolean created;
            List<String> attributes = new ArrayList<>();
            List<String> granted = new ArrayList<>();
            List<String> revoked = new ArrayList<>();
            try (Statement s = c.createStatement()) {
                State state = inspect();
                if (state == null) {
                    if (password == null) {
                        throw new LoginRoleRefusedException(Reason.PASSWORD_NEEDED, role, "refusing role " + role
                                + ": it does not exist, and creating it needs a password (nothing changed)");
                    }
                    created = true;
                    s.execute(LoginRoleSql.create(role) + (connectionLimit == null ? "" : " connection limit " + connectionLimit));
                    attributes.addAll(NEW_ROLE_ATTRIBUTES);
                    if (connectionLimit != null) {
                        attributes.add("CONNECTION LIMIT " + connectionLimit);
                    }
                    s.execute(LoginRoleSql.grant(role));
                    granted.addAll(LoginRoleSql.API_ROLES);
                } else {
                    created = false;
                    refuseIfPrivileged(state);
                    List<String> changes = new ArrayList<>();
                    if (!state.login) {
                        changes.add("login");
                    }
                    if (state.inherit) {
                        changes.add("noinherit");
                    }
                    if (state.createdb) {
                        changes.add("nocreatedb");
                    }
                    if (state.createrole) {
                        changes.add("nocreaterole");
                    }
                    if (connectionLimit != null && connectionLimit != state.connectionLimit) {
                        changes.add("connection limit " + connectionLimit);
                    }
                    if (!changes.isEmpty()) {
                        s.execute("alter role " + role + " with " + String.join(" ", changes));
                        changes.forEach(change -> attributes.add(change.toUpperCase(Locale.ROOT)));
                    }
                    List<String> missing = new ArrayList<>(LoginRoleSql.API_ROLES);
                    missing.removeAll(state.memberOf);
                    if (!missing.isEmpty()) {
                        s.execute("grant " + String.join(", ", missing) + " to " + role);
                        granted.addAll(missing);
                    }
                    if (state.memberOf.contains("anon")) {
                        s.execute("revoke anon from " + role);
                        revoked.add("anon");
                    }
                }
            }
            if (password != null) {
                // Computed here; the server receives the verifier, never the password.
                c.unwrap(PGConnection.class).alterUserPassword(role, password, "scram-sha-256");
            }
            State after = inspect();
            if (after == null || after.superuser || after.bypassrls || after.replication || after.inherit || !after.login
                    || after.owned > 0 || !after.memberOf.equals(LoginRoleSql.API_ROLES)) {
                throw new SchemaException("role " + role + " is not as required after the changes; nothing was committed");
            }
            return new LoginRoleResult(role, created, attributes, granted, revoked, password != null);
        }

        /**
         * The operator's own login: changing it would cut the operator off, and an operator (a superuser,
         * Supabase's BYPASSRLS {@code postgres}) is the last role the DAO may log in as.
         */
        private void refuseOperator() throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_user, session_user")) {
                rs.next();
                if (role.equals(rs.getString(1)) || role.equals(rs.getString(2))) {
                    throw new LoginRoleRefusedException(Reason.OPERATOR, role, "refusing role " + role + ": it is the role"
                            + " the connection is logged in as; apply it as an administrator (a superuser, or postgres on"
                            + " Supabase) to a different role (nothing changed)");
                }
            }
        }

        private void requireApiRoles() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(LoginRoleSql.API_ROLES_PRESENT)) {
                ps.setArray(1, c.createArrayOf("text", LoginRoleSql.API_ROLES.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != LoginRoleSql.API_ROLES.size()) {
                        throw new SchemaException("the roles " + String.join(" and ", LoginRoleSql.API_ROLES)
                                + " do not exist on this server: migrate first (voxanne migrate, or VoxanneSchema's"
                                + " migrate(); on plain PostgreSQL the migrations create them, Supabase has them)");
                    }
                }
            }
        }

        private void refuseIfPrivileged(State state) {
            if (state.superuser || state.bypassrls || state.replication) {
                throw refused(Reason.PRIVILEGED, "it is " + (state.superuser ? "a superuser" : state.bypassrls ? "BYPASSRLS"
                        : "a REPLICATION role") + ", a privileged role the DAO must never log in as; pick a new name (a"
                        + " non-superuser operator cannot remove that attribute)");
            }
            if (state.owned > 0) {
                throw refused(Reason.OWNS_OBJECTS, "it owns " + state.owned + " object(s) in this database (is it the"
                        + " migration owner?); an owner bypasses row-level security on its tables, so the login role must"
                        + " own nothing; pick a new name");
            }
            List<String> others = new ArrayList<>(state.memberOf);
            others.removeAll(LoginRoleSql.API_ROLES);
            others.remove("anon");
            if (!others.isEmpty()) {
                throw refused(Reason.OTHER_MEMBERSHIP, "it is a member of " + String.join(", ", others) + ": SET ROLE to "
                        + (others.size() == 1 ? "it" : "them") + " would step outside the DAO's binding; revoke "
                        + (others.size() == 1 ? "that membership" : "those memberships") + " first or pick a new name");
            }
        }

        private LoginRoleRefusedException refused(Reason reason, String why) {
            return new LoginRoleRefusedException(reason, role, "refusing role " + role + ": " + why + " (nothing changed)");
        }

        private State inspect() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(LoginRoleSql.INSPECT)) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    Array members = rs.getArray("member_of");
                    return new State(rs.getBoolean("rolsuper"), rs.getBoolean("rolbypassrls"), rs.getBoolean("rolreplication"),
                            rs.getBoolean("rolcanlogin"), rs.getBoolean("rolinherit"), rs.getBoolean("rolcreatedb"),
                            rs.getBoolean("rolcreaterole"), rs.getInt("rolconnlimit"), rs.getLong("owned"),
                            List.of((String[]) members.getArray()));
                }
            }
        }
    }

    /** What the catalog says about the role; {@code memberOf} is sorted by name. */
    private record State(boolean superuser, boolean bypassrls, boolean replication, boolean login, boolean inherit,
                         boolean createdb, boolean createrole, int connectionLimit, long owned, List<String> memberOf) {
    }
}
