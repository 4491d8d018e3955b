package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Nothing of a unit of work stays on a pooled connection: not the role, not the claims. */
@VoxannePostgres
class ConnectionHygieneTest {

    @Test
    void aPoolOfOneConnectionComesBackCleanAfterEveryKindOfUnit(TestDatabase db, DataSource login, Tenants tenants)
            throws Exception {
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.server().loginRole());
        config.setPassword(loginPassword());
        config.setMaximumPoolSize(1);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            Voxanne voxanne = Voxanne.create(pool);
            OrgContext annInA = OrgContext.of(ann.organization().id(), ann.id());
            OrgContext bobInB = OrgContext.of(bob.organization().id(), bob.id());

            Contact a = voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550150"));
            assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
                tx.contacts().create(NewContact.named("Doomed").phone("+12125550151"));
                throw new IllegalStateException("boom");
            })).hasMessage("boom");
            assertThatThrownBy(() -> voxanne.contacts(bobInB).get(a.id())).isInstanceOf(NotFoundException.class);
            voxanne.service().webhooks().processOnce(annInA.organizationId(), "evt-hygiene", "call.ended", tx -> { });

            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_user, session_user,"
                         + " coalesce(current_setting('request.jwt.claims', true), ''), current_setting('role')")) {
                rs.next();
                assertThat(rs.getString(1)).as("current_user").isEqualTo(db.server().loginRole());
                assertThat(rs.getString(2)).as("session_user").isEqualTo(db.server().loginRole());
                assertThat(rs.getString(3)).as("claims left behind").isEmpty();
                assertThat(rs.getString(4)).as("role setting").isEqualTo("none");
            }
        }
    }

    private static String loginPassword() {
        return com.voxanne.testkit.postgres.TestPostgresConfig.fromEnvironment().loginPassword();
    }
}
