package com.voxanne.testkit.internal;

import com.voxanne.testkit.RlsAssert;
import com.voxanne.testkit.TableAssert;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link RlsAssert} on one data source. */
final class DatabaseAssertion implements RlsAssert {

    /** Tables named in a message before the rest are counted instead. */
    private static final int SHOWN_TABLES = 5;

    private final DataSource dataSource;

    DatabaseAssertion(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public RlsAssert loginRoleBypassesNothing() {
        // session_user: the role that logged in, whatever role a connection has switched to since.
        String sql = "select r.rolname, r.rolsuper, r.rolbypassrls, r.rolinherit,"
                + " array(select format('%I.%I', n.nspname, c.relname) from pg_class c"
                + "   join pg_namespace n on n.oid = c.relnamespace"
                + "  where c.relowner = r.oid and c.relkind in ('r', 'p')"
                + "    and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'"
                + "  order by 1)"
                + " from pg_roles r where r.rolname = session_user";
        List<String> problems = new ArrayList<>();
        String role;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            role = rs.getString(1);
            if (rs.getBoolean(2)) {
                problems.add("it is SUPERUSER (row-level security never applies to it)");
            }
            if (rs.getBoolean(3)) {
                problems.add("it has BYPASSRLS");
            }
            if (rs.getBoolean(4)) {
                problems.add("it has INHERIT (it holds its roles' rights without binding one; Supabase's authenticator is NOINHERIT)");
            }
            Array owned = rs.getArray(5);
            String[] tables = (String[]) owned.getArray();
            if (tables.length > 0) {
                List<String> names = List.of(tables);
                problems.add("it owns " + tables.length + " table(s), whose row-level security it bypasses unless forced: "
                        + String.join(", ", names.subList(0, Math.min(SHOWN_TABLES, names.size())))
                        + (names.size() > SHOWN_TABLES ? ", …" : ""));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the login role's attributes: " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("Expected the role this DataSource logs in as, " + role + ", to bypass nothing, but:\n    "
                    + String.join("\n    ", problems));
        }
        return this;
    }

    @Override
    public TableAssert table(String name) {
        return new TableAssertion(dataSource, TableInfo.load(dataSource, name));
    }
}
