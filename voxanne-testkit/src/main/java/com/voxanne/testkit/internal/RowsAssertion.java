package com.voxanne.testkit.internal;

import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.RowsAssert;
import com.voxanne.testkit.User;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;

/** {@link RowsAssert} on the rows of one organization in one table. */
final class RowsAssertion implements RowsAssert {

    private final DataSource dataSource;
    private final TableInfo table;
    private final Organization organization;

    RowsAssertion(DataSource dataSource, TableInfo table, Organization organization) {
        this.dataSource = dataSource;
        this.table = table;
        this.organization = organization;
    }

    @Override
    public RowsAssert areInvisibleTo(User user) {
        if (user.organization().id().equals(organization.id())) {
            throw new IllegalArgumentException(Principal.of(user).description() + " belongs to the organization whose rows"
                    + " are checked; name a user of another organization");
        }
        return areInvisibleTo(Principal.of(user));
    }

    @Override
    public RowsAssert areInvisibleToAnon() {
        return areInvisibleTo(Principal.anon());
    }

    private RowsAssert areInvisibleTo(Principal principal) {
        String owner = Principal.describe(organization);
        List<TableRow> owned = select(Principal.service()).orElseThrow(e -> new AssertionError("Cannot find the rows of "
                + owner + " in " + table.qualifiedName() + ": service_role may not read it: " + SqlFailures.describe(e)
                + "; grant SELECT on it to service_role"));
        if (owned.isEmpty()) {
            throw new AssertionError("Expected rows of " + owner + " in " + table.qualifiedName() + " to check their"
                    + " visibility, but it has none there: insert some first, or this assertion proves nothing");
        }
        Result visible = select(principal);
        if (visible.error != null && !SqlErrors.INSUFFICIENT_PRIVILEGE.equals(visible.error.getSQLState())) {
            throw new AssertionError("Expected the " + owned.size() + " row(s) of " + owner + " in " + table.qualifiedName()
                    + " to be invisible to " + principal.description() + ", but a SELECT as that user failed with "
                    + SqlFailures.describe(visible.error) + ", so nothing could be checked");
        }
        // Refused outright (42501) is invisible too: the rows never reach that user.
        if (visible.rows != null && !visible.rows.isEmpty()) {
            throw new AssertionError("Expected the " + owned.size() + " row(s) of " + owner + " in " + table.qualifiedName()
                    + " to be invisible to " + principal.description() + ", but a SELECT as that user returned "
                    + visible.rows.size() + " of them:" + TableRow.list("", visible.rows));
        }
        return this;
    }

    /** The organization's rows as {@code principal} sees them, or the error that refused the query. */
    private Result select(Principal principal) {
        RequestClaims claims = principal.claims();
        String sql = "select " + table.rowSelectList() + " from " + table.qualifiedName() + " where org_id = ?"
                + " order by 1";
        try {
            return new Result(BoundTransactions.inTransaction(dataSource, claims, false, c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setObject(1, organization.id());
                    return new ArrayList<>(TableRow.read(table, ps).values());
                }
            }), null);
        } catch (SQLException e) {
            return new Result(null, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot query " + table.qualifiedName() + " as " + principal.description() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Rows, or the error instead. */
    private record Result(List<TableRow> rows, SQLException error) {
        <X extends Throwable> List<TableRow> orElseThrow(Function<SQLException, X> failure) throws X {
            if (error != null) {
                throw failure.apply(error);
            }
            return rows;
        }
    }
}
