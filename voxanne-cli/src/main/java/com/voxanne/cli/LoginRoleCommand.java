package com.voxanne.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import com.voxanne.schema.LoginRole;
import com.voxanne.schema.LoginRoleRefusedException;
import com.voxanne.schema.LoginRoleResult;
import com.voxanne.schema.internal.LoginRoles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code voxanne login-role NAME}: creates the role the DAO's pool logs in as, or brings an existing one in
 * line, in one transaction: LOGIN NOINHERIT, not superuser, not BYPASSRLS, no CREATEDB / CREATEROLE /
 * REPLICATION, owning nothing, member of {@code authenticated} and {@code service_role} and of nothing
 * else ({@code anon} is revoked: no unit of the DAO runs as anon). The work is voxanne-schema's
 * {@link LoginRole}; this command reads the password, prints what was done and maps refusals to exit code 2.
 *
 * <p>Refused, with nothing changed: a reserved or Supabase-managed name, the operator's own login, and an
 * existing role that is a superuser, BYPASSRLS or REPLICATION (a non-superuser operator, such as
 * {@code postgres} on Supabase, cannot even remove those), that owns something in this database (such as
 * the migration owner: an owner bypasses row-level security), or that is a member of any other role (SET
 * ROLE to it would escape the DAO's binding).
 *
 * <p>The password comes from an environment variable or standard input, never the command line (which
 * the process list and the shell history show). It reaches the server only as a SCRAM-SHA-256 verifier
 * computed in this process, so that a server logging statements, pgaudit's included, never logs it. Only
 * attributes that differ are altered, because a non-superuser may not even restate some of them
 * ({@code NOSUPERUSER}, {@code NOBYPASSRLS}).
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
        // checked while parsing too, so that a bad or reserved name is a usage error before anything connects
        try {
            LoginRoles.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
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
    ExitCode run(Database database) throws IOException {
        char[] secret = readPassword();
        LoginRoleResult result;
        try {
            LoginRole request = schema(database).loginRole(role);
            if (secret != null) {
                request.password(secret);
            }
            if (connectionLimit != null) {
                request.connectionLimit(connectionLimit);
            }
            result = request.apply();
        } catch (LoginRoleRefusedException e) {
            throw new CliException(ExitCode.USAGE, refusal(e), e);
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
        for (String line : lines(result)) {
            out().println("login-role: " + line);
        }
        out().println("login-role: " + role + " is ready for the DAO's pool (Voxanne.create accepts it)");
        out().flush();
        return ExitCode.OK;
    }

    /** The refusal in the command's terms where they differ from the API's: its options, its login. */
    private String refusal(LoginRoleRefusedException e) {
        return switch (e.reason()) {
            case PASSWORD_NEEDED -> "role " + role + " does not exist; creating it needs a password:"
                    + " --password-env VARIABLE or --password-stdin";
            case OPERATOR -> "refusing role " + role + ": it is the role this command is logged in as; run it as an"
                    + " administrator (a superuser, or postgres on Supabase) and name a different role (nothing changed)";
            default -> e.getMessage();
        };
    }

    /** What was done, one line each, in the order it was done. */
    private static List<String> lines(LoginRoleResult result) {
        String role = result.role();
        List<String> lines = new ArrayList<>();
        if (result.created()) {
            List<String> attributes = result.attributes().stream().filter(a -> !a.startsWith("CONNECTION LIMIT")).toList();
            String limit = result.attributes().stream().filter(a -> a.startsWith("CONNECTION LIMIT")).map(a -> ", " + a)
                    .findFirst().orElse("");
            lines.add("created role " + role + " (" + String.join(" ", attributes) + limit + ")");
        } else if (result.attributes().isEmpty()) {
            lines.add("role " + role + " exists with the right attributes");
        } else {
            lines.add("altered role " + role + ": " + String.join(" ", result.attributes()));
        }
        if (!result.granted().isEmpty()) {
            lines.add("granted " + String.join(", ", result.granted()) + " to " + role);
        }
        for (String revoked : result.revoked()) {
            lines.add("revoked " + revoked + " from " + role + " (no unit of the DAO runs as anon)");
        }
        if (!result.created() && result.granted().isEmpty() && result.revoked().isEmpty()) {
            lines.add("role " + role + " is a member of authenticated and service_role only");
        }
        lines.add(result.passwordSet() ? "password set (the server received a SCRAM-SHA-256 verifier, not the password)"
                : "password unchanged");
        return lines;
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
}
