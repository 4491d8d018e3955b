package com.voxanne.sample.intake;

import com.voxanne.dao.Voxanne;
import com.voxanne.schema.VerifyReport;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/**
 * The service's composition root: at start-up it migrates (Voxanne's migrations, then its own) as the
 * migrating role, refuses to serve from a database {@code verify} fails, and serves through a pool that
 * logs in as the production login role (see {@code docs/production.md}).
 */
public final class IntakeApp implements AutoCloseable {

    private final HikariDataSource pool;
    private final CallIntakeService calls;

    private IntakeApp(HikariDataSource pool) {
        this.pool = pool;
        this.calls = new CallIntakeService(Voxanne.create(pool));
    }

    /**
     * Migrates and verifies the database behind {@code admin}, then opens the pool over {@code login}.
     *
     * @throws IllegalStateException when the verification checklist has a FAIL (it names the items), or
     *     when {@code login} logs in as a superuser or a BYPASSRLS role
     */
    public static IntakeApp start(DataSource admin, DataSource login) {
        VerifyReport report = IntakeSchema.migrateAndVerify(admin);
        if (!report.passed()) {
            throw new IllegalStateException("the database fails verification: " + report.withStatus(VerifyReport.Status.FAIL));
        }
        HikariConfig config = new HikariConfig();
        config.setDataSource(login);
        config.setPoolName("intake");
        config.setMaximumPoolSize(4);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            return new IntakeApp(pool);   // Voxanne.create refuses a superuser or BYPASSRLS login role
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** The service's operations. */
    public CallIntakeService calls() {
        return calls;
    }

    /** Closes the pool. */
    @Override
    public void close() {
        pool.close();
    }
}
