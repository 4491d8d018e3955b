package com.voxanne.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code voxanne login-role NAME}: creates the role the DAO's pool logs in as, or brings an existing one in
 * line, in one transaction: LOGIN NOINHERIT, not superuser, not BYPASSRLS, no CREATEDB / CREATEROLE /
 * REPLICATION, owning nothing, member of {@code authenticated} and {@code service_role} and of nothing
 * else ({@code anon} is revoked: no unit of the DAO runs as anon). The statements are {@link LoginRoleSql}'s.
 *
 * <p>Refused, with nothing changed: a reserved or Supabase-managed name, the operator's own login, and an
 * existing role that is a superuser, BYPASSRLS or REPLICATION (a non-superuser operator, such as
 * {@code postgres} on Supabase, cannot even remove those), that owns something in this database (such as
 * the migration owner: an owner bypasses row-level security), or that is a member of any other role (SET
 * ROLE to it would escape the DAO's binding).
 *
 * <p>The password comes from an environment variable or standard input, never the command line (which
 * the process list and the shell history show). It reaches the server only as a SCRAM-SHA-256 verifier
 * computed here (PgJDBC's {@code alterUserPassword}), so that a server logging statements, pgaudit's
 * included, never logs it. Only attributes that differ are altered, because a non-superuser may not even
 * restate some of them ({@code NOSUPERUSER}, {@code NOBYPASSRLS}).
 */
@Command(name = "login-role", description = {"Create the login role of the DAO's pool, or bring an existing one in line:",
        "LOGIN NOINHERIT, not superuser, not BYPASSRLS, owning nothing, member of",
        "authenticated and service_role only. The password comes from --password-env",
        "or --password-stdin, never from the command line. One transaction; prints",
        "what it changed (never the password). Works as a superuser and as postgres",
        "on Supabase; run migrate first (it creates the API roles on plain PostgreSQL)."})
final class LoginRoleCommand extends DatabaseCommand {

    /** Standard input; a test replaces it. */
    InputStream stdin = System.in;

    private String role;

    @Parameters(index = "0", paramLabel = "NAME", description = "The login role, a lower-case SQL identifier such as voxanne_app.")
    void role(String name) {
        if (!name.matches(LoginRoleSql.NAME_PATTERN)) {
            throw new ParameterException(spec.commandLine(), "the role name must be a lower-case SQL identifier such as"
                    + " voxanne_app (letters a-z, digits, _; at most 63), not '" + name + "'");
        }
        if (LoginRoleSql.RESERVED.contains(name) || LoginRoleSql.RESERVED_PREFIXES.stream().anyMatch(name::startsWith)) {
            throw new ParameterException(spec.commandLine(), "'" + name + "' is a role of PostgreSQL or Supabase, not one"
                    + " this command may create or change; pick a name of your own such as voxanne_app");
        }
        this.role = name;
    }

    @ArgGroup(exclusive = true)
    PasswordSource password;

    /** Where the new password comes from: one of the two, or neither to keep an existing role's password. */
    static final class PasswordSource {
        @Option(names = "--password-env", paramLabel = "VARIABLE",
                description = "Take the login role's password from this environment variable (not the operator's"
                        + " --password / PGPASSWORD).")
        String environmentVariable;

        @Option(names = "--password-stdin", description = "Read the login role's password from the first line of standard input.")
        boolean stdin;
    }

    private Integer connectionLimit;

    /** Checked while parsing, so that a typo is a usage error before anything connects. */
    @Option(names = "--connection-limit", paramLabel = "N",
            description = "Most connections the role may hold at once (-1: no limit; default: leave as it is, -1 for a new role).")
    void connectionLimit(int limit) {
        if (limit < -1) {
            throw new ParameterException(spec.commandLine(), "--connection-limit must be -1 (no limit) or more, not " + limit);
        }
        this.connectionLimit = limit;
    }

    @Override
    ExitCode run(Database database) throws SQLException, IOException {
        char[] secret = readPassword();
        try (Connection c = database.dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<String> done = apply(c, secret);
                c.commit();
                for (String line : done) {
                    out().println("login-role: " + line);
                }
                out().println("login-role: " + role + " is ready for the DAO's pool (Voxanne.create accepts it)");
                out().flush();
                return ExitCode.OK;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }

    private List<String> apply(Connection c, char[] secret) throws SQLException {
        List<String> done = new ArrayList<>();
        String operator = scalar(c, "select current_user");
        if (operator.equals(role)) {
            throw refused("it is the role this command is logged in as; run it as an administrator (a superuser, or"
                    + " postgres on Supabase) and name a different role");
        }
        try (PreparedStatement ps = c.prepareStatement(LoginRoleSql.API_ROLES_PRESENT)) {
            ps.setArray(1, c.createArrayOf("text", LoginRoleSql.API_ROLES.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != LoginRoleSql.API_ROLES.size()) {
                    throw new CliException(ExitCode.FAILED, "the roles " + String.join(" and ", LoginRoleSql.API_ROLES)
                            + " do not exist on this server: run voxanne migrate first (on plain PostgreSQL the"
                            + " migrations create them; Supabase has them)");
                }
            }
        }
        try (Statement s = c.createStatement()) {
            State state = inspect(c);
            if (state == null) {
                if (secret == null) {
                    throw new CliException(ExitCode.USAGE, "role " + role + " does not exist; creating it needs a password:"
                            + " --password-env VARIABLE or --password-stdin");
                }
                s.execute(LoginRoleSql.create(role) + (connectionLimit == null ? "" : " connection limit " + connectionLimit));
                done.add("created role " + role + " (LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                        + " NOREPLICATION" + (connectionLimit == null ? "" : ", CONNECTION LIMIT " + connectionLimit) + ")");
                s.execute(LoginRoleSql.grant(role));
                done.add("granted " + String.join(", ", LoginRoleSql.API_ROLES) + " to " + role);
            } else {
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
                if (changes.isEmpty()) {
                    done.add("role " + role + " exists with the right attributes");
                } else {
                    s.execute("alter role " + role + " with " + String.join(" ", changes));
                    done.add("altered role " + role + ": " + String.join(" ", changes).toUpperCase(Locale.ROOT));
                }
                List<String> missing = new ArrayList<>(LoginRoleSql.API_ROLES);
                missing.removeAll(state.memberOf);
                if (!missing.isEmpty()) {
                    s.execute("grant " + String.join(", ", missing) + " to " + role);
                    done.add("granted " + String.join(", ", missing) + " to " + role);
                }
                if (state.memberOf.contains("anon")) {
                    s.execute("revoke anon from " + role);
                    done.add("revoked anon from " + role + " (no unit of the DAO runs as anon)");
                }
                if (missing.isEmpty() && !state.memberOf.contains("anon")) {
                    done.add("role " + role + " is a member of " + String.join(" and ", LoginRoleSql.API_ROLES) + " only");
                }
            }
            if (secret != null) {
                // Computed here; the server receives the verifier, never the password.
                c.unwrap(PGConnection.class).alterUserPassword(role, secret, "scram-sha-256");
                done.add("password set (the server received a SCRAM-SHA-256 verifier, not the password)");
            } else {
                done.add("password unchanged");
            }
            State after = inspect(c);
            if (after == null || after.superuser || after.bypassrls || after.inherit || !after.login || after.owned > 0
                    || !after.memberOf.equals(LoginRoleSql.API_ROLES)) {
                throw new CliException(ExitCode.FAILED, "role " + role + " is not as required after the changes; nothing was"
                        + " committed");
            }
        }
        return done;
    }

    private void refuseIfPrivileged(State state) {
        if (state.superuser || state.bypassrls || state.replication) {
            throw refused("it is " + (state.superuser ? "a superuser" : state.bypassrls ? "BYPASSRLS" : "a REPLICATION role")
                    + ", a privileged role the DAO must never log in as; pick a new name (a non-superuser operator"
                    + " cannot remove that attribute)");
        }
        if (state.owned > 0) {
            throw refused("it owns " + state.owned + " object(s) in this database (is it the migration owner?); an owner"
                    + " bypasses row-level security on its tables, so the login role must own nothing; pick a new name");
        }
        List<String> others = new ArrayList<>(state.memberOf);
        others.removeAll(LoginRoleSql.API_ROLES);
        others.remove("anon");
        if (!others.isEmpty()) {
            throw refused("it is a member of " + String.join(", ", others) + ": SET ROLE to "
                    + (others.size() == 1 ? "it" : "them") + " would step outside the DAO's binding; revoke "
                    + (others.size() == 1 ? "that membership" : "those memberships") + " first or pick a new name");
        }
    }

    private CliException refused(String why) {
        return new CliException(ExitCode.USAGE, "refusing role " + role + ": " + why + " (nothing changed)");
    }

    private char[] readPassword() throws IOException {
        if (password == null) {
            return null;
        }
        String value;
        String source;
        if (password.environmentVariable != null) {
            VoxanneCli cli = (VoxanneCli) spec.root().userObject();
            value = cli.environment.get(password.environmentVariable);
            source = "environment variable " + password.environmentVariable;
        } else {
            BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            value = in.readLine();
            source = "standard input";
        }
        if (value == null || value.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "no password in " + source + " (it is unset or empty)");
        }
        if (value.chars().anyMatch(ch -> ch == 0)) {
            throw new CliException(ExitCode.USAGE, "the password in " + source + " contains a NUL character");
        }
        return value.toCharArray();
    }

    private State inspect(Connection c) throws SQLException {
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

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** What the catalog says about the role; {@code memberOf} is sorted by name. */
    private record State(boolean superuser, boolean bypassrls, boolean replication, boolean login, boolean inherit,
                         boolean createdb, boolean createrole, int connectionLimit, long owned, List<String> memberOf) {
    }
}
