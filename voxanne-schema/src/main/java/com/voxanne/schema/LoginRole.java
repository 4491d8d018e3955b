package com.voxanne.schema;

import com.voxanne.schema.internal.LoginRoles;
import java.util.Arrays;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The role the DAO's pool logs in as, to create or bring in line with {@link #apply()}; what
 * {@code voxanne login-role} does. Get one from {@link VoxanneSchema#loginRole(String)}:
 *
 * <pre>{@code
 * LoginRoleResult result = schema.loginRole("voxanne_app").password(secret).connectionLimit(20).apply();
 * }</pre>
 *
 * <p>The role ends up LOGIN NOINHERIT, not superuser, not BYPASSRLS, without CREATEDB, CREATEROLE or
 * REPLICATION, owning nothing, and a member of {@code authenticated} and {@code service_role} and of
 * nothing else ({@code anon} is revoked: no unit of the DAO runs as anon). Only what differs is changed,
 * so that a non-superuser operator ({@code postgres} on Supabase) can apply it; running it again changes
 * nothing. The SQL is the one docs/production.md shows.
 *
 * <p>The password reaches the server only as a SCRAM-SHA-256 verifier computed in this JVM, so that a
 * server logging statements (pgaudit included) never logs it. {@link #password(char[])} copies the
 * caller's array, which the caller may then zero; the copy is zeroed when {@link #apply()} ends, however
 * it ends. Neither the result, an exception nor {@link #toString()} holds the password.
 *
 * <p>Not thread-safe, and applied at most once.
 */
public final class LoginRole {

    private final DataSource dataSource;
    private final String name;
    private char[] password;
    private Integer connectionLimit;
    private boolean applied;

    /** @throws IllegalArgumentException when {@code name} is not a plain lower-case identifier or is reserved */
    LoginRole(DataSource dataSource, String name) {
        LoginRoles.checkName(name);
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.name = name;
    }

    /** The role's name. */
    public String name() {
        return name;
    }

    /**
     * The role's new password, set as a SCRAM-SHA-256 verifier. Required to create the role; without it an
     * existing role keeps its password. The array is copied: zero yours whenever you like.
     *
     * @throws IllegalArgumentException when it is empty or contains a NUL character (PostgreSQL cannot
     *     take one)
     */
    public LoginRole password(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("the password of login role " + name + " is empty");
        }
        for (char ch : password) {
            if (ch == '\0') {
                throw new IllegalArgumentException("the password of login role " + name + " contains a NUL character");
            }
        }
        clearPassword();
        this.password = password.clone();
        return this;
    }

    /**
     * The most connections the role may hold at once; -1 for no limit. Without it an existing role keeps
     * its limit and a new one has none.
     *
     * @throws IllegalArgumentException when below -1
     */
    public LoginRole connectionLimit(int limit) {
        LoginRoles.checkConnectionLimit(limit);
        this.connectionLimit = limit;
        return this;
    }

    /**
     * Creates the role or brings it in line, in one transaction on a connection of the schema's data
     * source, which must be able to create roles and grant {@code authenticated} and {@code service_role}
     * (a superuser, or {@code postgres} on Supabase). Nothing changes when it throws. Zeroes the copy of
     * the password.
     *
     * @throws LoginRoleRefusedException when the role may not be made the login role: the data source's
     *     own login, a superuser / BYPASSRLS / REPLICATION role, a role that owns something or is a member
     *     of another role, or a role that does not exist while no password was given
     * @throws SchemaException when {@code authenticated} or {@code service_role} does not exist (migrate
     *     first) or the database fails, for example for a missing privilege
     * @throws IllegalStateException when applied a second time
     */
    public LoginRoleResult apply() {
        if (applied) {
            throw new IllegalStateException("login role " + name + " was already applied; ask VoxanneSchema.loginRole again");
        }
        applied = true;
        try {
            return LoginRoles.apply(dataSource, name, password, connectionLimit);
        } finally {
            clearPassword();
        }
    }

    private void clearPassword() {
        if (password != null) {
            Arrays.fill(password, '\0');
            password = null;
        }
    }

    /** The name and what is asked, never the password. */
    @Override
    public String toString() {
        return "LoginRole[" + name + (password != null ? ", new password" : "")
                + (connectionLimit != null ? ", connection limit " + connectionLimit : "") + "]";
    }
}
