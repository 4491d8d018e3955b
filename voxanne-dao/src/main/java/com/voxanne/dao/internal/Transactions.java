package com.voxanne.dao.internal;

import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * Runs a unit of work as one transaction whose first statement binds the role and the claims
 * transaction-locally. Commit or rollback ends the binding with the transaction, so a pooled
 * connection goes back exactly as it came, whatever happened.
 */
public final class Transactions {

    private static final Settings SETTINGS = new Settings().withExecuteLogging(false);

    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs {@code work} as {@code claims}; commits if it returns, rolls back if it throws. */
    public <T> T run(RequestClaims claims, Function<DSLContext, T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                RequestBinding.bind(connection, claims);
                T result = work.apply(DSL.using(connection, SQLDialect.POSTGRES, SETTINGS));
                connection.commit();
                return result;
            } catch (RuntimeException e) {
                rollback(connection, e);
                throw SqlErrors.translate(e);
            } catch (Error e) {
                rollback(connection, e);
                throw e;
            } catch (SQLException e) {
                rollback(connection, e);
                throw SqlErrors.translate(e);
            } finally {
                restoreAutoCommit(connection, autoCommit);
            }
        } catch (SQLException e) {
            throw new DataAccessFailureException("cannot use a database connection: " + e.getMessage(), e);
        }
    }

    /**
     * A connection that cannot even restore auto-commit is broken; the pool will find out. Throwing here
     * would replace the unit of work's own failure with this one.
     */
    private static void restoreAutoCommit(Connection connection, boolean autoCommit) {
        try {
            connection.setAutoCommit(autoCommit);
        } catch (SQLException ignored) {
            // the pool validates the connection before lending it again
        }
    }

    private static void rollback(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }
}
