package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.voxanne.dao.OrgContext;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.schema.LoginRoleResult;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Start-up as production runs it: migrate and verify as the admin, serve through a pool of the login role. */
@VoxannePostgres(migrations = IntakeSchema.LOCATION, historyTable = IntakeSchema.HISTORY_TABLE,
        scope = DatabaseScope.PER_METHOD)
class IntakeAppTest {

    @Test
    void startsOnAMigratedDatabaseAndHandlesACall(@Admin DataSource admin, DataSource login, Tenants tenants) {
        Organization clinic = tenants.organization("Clinic A");
        try (IntakeApp app = IntakeApp.start(admin, login)) {
            CallEnded call = new CallEnded(clinic.id(), "evt-1", "call-1", "+12125550100", "Ann Caller");

            assertEquals(WebhookOutcome.PROCESSED, app.calls().onCallEnded(call));
            assertEquals(1, app.calls().recentIntakes(OrgContext.of(clinic.id(), clinic.user("ann").id()), 5).size());
        }
    }

    @Test
    void servesThroughTheProductionLoginRoleItCreates(@Admin DataSource admin, DataSource kitLogin, Tenants tenants)
            throws SQLException {
        char[] password = "intake-app-test-password".toCharArray();
        LoginRoleResult role = IntakeSchema.on(admin).loginRole("intake_app").password(password).apply();
        PGSimpleDataSource login = new PGSimpleDataSource();
        login.setURL(urlOf(kitLogin));
        login.setUser(role.role());
        login.setPassword(new String(password));
        Organization clinic = tenants.organization("Clinic A");

        try (IntakeApp app = IntakeApp.start(admin, login)) {
            CallEnded call = new CallEnded(clinic.id(), "evt-1", "call-1", "+12125550100", "Ann Caller");
            assertEquals(WebhookOutcome.PROCESSED, app.calls().onCallEnded(call));
        }
        // applying it again (every deployment may) changes nothing
        assertEquals(false, IntakeSchema.on(admin).loginRole("intake_app").apply().changed());
    }

    @Test
    void refusesToServeThroughAPrivilegedLoginRole(@Admin DataSource admin) {
        // the admin role bypasses row-level security: a pool logging in as it would see every clinic
        assertThrows(IllegalStateException.class, () -> IntakeApp.start(admin, admin).close());
    }

    private static String urlOf(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return c.getMetaData().getURL();
        }
    }
}
