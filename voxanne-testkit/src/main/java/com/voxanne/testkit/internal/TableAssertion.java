package com.voxanne.testkit.internal;

import com.voxanne.schema.session.ApiRole;
import com.voxanne.testkit.Actor;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.RowsAssert;
import com.voxanne.testkit.TableAssert;
import com.voxanne.testkit.WriteAssert;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/** {@link TableAssert} on one table. */
final class TableAssertion implements TableAssert {

    private final DataSource dataSource;
    private final TableInfo table;

    TableAssertion(DataSource dataSource, TableInfo table) {
        this.dataSource = dataSource;
        this.table = table;
    }

    @Override
    public TableAssert hasRowLevelSecurityEnabledAndForced() {
        if (!table.rowSecurity()) {
            throw new AssertionError("Expected row-level security on " + table.qualifiedName() + " to be enabled and forced,"
                    + " but it is not even enabled: every role with a privilege on it sees every row"
                    + " (ALTER TABLE " + table.qualifiedName() + " ENABLE ROW LEVEL SECURITY)");
        }
        if (!table.forceRowSecurity()) {
            throw new AssertionError("Expected row-level security on " + table.qualifiedName() + " to be enabled and forced,"
                    + " but it is not forced: its owner " + table.owner() + " bypasses every policy"
                    + " (ALTER TABLE " + table.qualifiedName() + " FORCE ROW LEVEL SECURITY)");
        }
        return this;
    }

    @Override
    public TableAssert hasPoliciesOnlyFor(ApiRole... roles) {
        Set<String> allowed = Arrays.stream(roles).map(ApiRole::roleName).collect(Collectors.toSet());
        List<String> offending = new ArrayList<>();
        String sql = "select p.polname, case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'"
                + " when 'd' then 'DELETE' else 'ALL' end,"
                + " array(select case when r = 0 then 'public' else pg_get_userbyid(r) end from unnest(p.polroles) r order by 1)"
                + " from pg_policy p where p.polrelid = ? order by p.polname";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, table.oid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> to = List.of((String[]) rs.getArray(3).getArray());
                    if (!allowed.containsAll(to)) {
                        offending.add(rs.getString(1) + " (" + rs.getString(2) + ") TO " + String.join(", ", to));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the policies of " + table.qualifiedName() + ": " + e.getMessage(), e);
        }
        if (!offending.isEmpty()) {
            throw new AssertionError("Expected every policy on " + table.qualifiedName() + " to apply only to "
                    + String.join(" or ", allowed.stream().sorted().toList()) + ", but these do not:\n    "
                    + String.join("\n    ", offending));
        }
        return this;
    }

    @Override
    public RowsAssert rowsOf(Organization organization) {
        table.requireOrgId();
        return new RowsAssertion(dataSource, table, Objects.requireNonNull(organization, "organization"));
    }

    @Override
    public WriteAssert write(String sql, Object... parameters) {
        Objects.requireNonNull(sql, "sql");
        Object[] copy = parameters.clone();
        return new WriteAssertion(dataSource, table, sql + (copy.length == 0 ? "" : "\n    with parameters " + Arrays.toString(copy)),
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        for (int i = 0; i < copy.length; i++) {
                            ps.setObject(i + 1, copy[i]);
                        }
                        return ps.execute() ? WriteAssertion.UNKNOWN_COUNT : ps.getUpdateCount();
                    }
                });
    }

    @Override
    public WriteAssert write(Actor.Work write) {
        Objects.requireNonNull(write, "write");
        return new WriteAssertion(dataSource, table, "(a lambda)", c -> {
            write.run(DSL.using(c, SQLDialect.POSTGRES));
            return WriteAssertion.UNKNOWN_COUNT;
        });
    }
}
