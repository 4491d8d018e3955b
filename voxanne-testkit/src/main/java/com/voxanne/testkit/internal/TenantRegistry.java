package com.voxanne.testkit.internal;

import com.voxanne.schema.session.AuthUsers;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Actor;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;

/**
 * The {@link Tenants} of one database. Organizations and users are remembered by name so that set-up
 * and tests can name the same tenant; they are written as the admin role, as sign-up would.
 */
final class TenantRegistry implements Tenants {

    private final DataSource admin;
    private final DataSource login;
    private final Map<String, Org> organizations = new ConcurrentHashMap<>();

    TenantRegistry(DataSource admin, DataSource login) {
        this.admin = admin;
        this.login = login;
    }

    @Override
    public Organization organization(String name) {
        Objects.requireNonNull(name, "name");
        return organizations.computeIfAbsent(name, n -> {
            UUID id = UUID.randomUUID();
            insert("insert into public.organizations (id, name) values (?, ?)", id, n);
            return new Org(id, n);
        });
    }

    @Override
    public Actor asUser(User user) {
        return new ClaimsActor(login, user.claims());
    }

    @Override
    public Actor asAnon() {
        return new ClaimsActor(login, RequestClaims.anonymous());
    }

    @Override
    public Actor asService() {
        return new ClaimsActor(login, RequestClaims.service());
    }

    @Override
    public Actor asService(Organization organization) {
        return new ClaimsActor(login, RequestClaims.service(organization.id()));
    }

    private void insert(String sql, Object... parameters) {
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DataAccessException("test fixture set-up failed: " + e.getMessage(), e);
        }
    }

    private final class Org implements Organization {
        private final UUID id;
        private final String name;
        private final Map<String, Member> users = new ConcurrentHashMap<>();

        Org(UUID id, String name) {
            this.id = id;
            this.name = name;
        }

        @Override
        public UUID id() {
            return id;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public User user(String userName) {
            Objects.requireNonNull(userName, "name");
            return users.computeIfAbsent(userName, n -> {
                UUID userId = UUID.randomUUID();
                // Unique across organizations and databases, and a valid address whatever the name.
                String email = n.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "." + userId.toString().substring(0, 8)
                        + "@example.test";
                // What Supabase's sign-up leaves: the organization in app_metadata, which users cannot edit.
                try (Connection c = admin.getConnection()) {
                    AuthUsers.create(c, userId, email, id);
                } catch (SQLException e) {
                    throw new DataAccessException("test fixture set-up failed: " + e.getMessage(), e);
                }
                return new Member(userId, n, email, this);
            });
        }

        @Override
        public String toString() {
            return Principal.describe(this);
        }
    }

    private record Member(UUID id, String name, String email, Organization organization) implements User {
        @Override
        public String toString() {
            return Principal.of(this).description();
        }
    }
}
