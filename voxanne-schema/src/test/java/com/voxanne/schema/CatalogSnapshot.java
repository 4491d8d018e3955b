package com.voxanne.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A text picture of everything the migrations define in schemas public and auth — relations, columns,
 * constraints, indexes, policies, triggers, functions (md5 of the source, settings, owner, comment), types,
 * grants and RLS flags, and the database's own privileges, default privileges and role settings — without
 * OIDs, so that two databases (or one before and after a round trip) can be compared line by line.
 */
final class CatalogSnapshot {

    private static final String SCHEMAS = "('public', 'auth')";
    private static final String[] QUERIES = {
        "select 'relation', n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in " + SCHEMAS
            + " and c.relname <> 'voxanne_schema_history' and c.relname not like 'voxanne_schema_history%'",
        "select 'column', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attacl::text"
            + " from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace"
            + " left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
            + " where n.nspname in " + SCHEMAS + " and a.attnum > 0 and not a.attisdropped and c.relkind in ('r','v','p')"
            + " and c.relname <> 'voxanne_schema_history'",
        "select 'constraint', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)"
            + " from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname in " + SCHEMAS + " and c.relname <> 'voxanne_schema_history'",
        "select 'index', schemaname, tablename, indexname, indexdef from pg_indexes where schemaname in " + SCHEMAS
            + " and tablename <> 'voxanne_schema_history'",
        "select 'policy', schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check"
            + " from pg_policies where schemaname in " + SCHEMAS,
        "select 'trigger', n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled"
            + " from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname in " + SCHEMAS + " and not t.tgisinternal",
        "select 'function', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),"
            + " pg_get_function_result(p.oid), p.prosecdef, p.provolatile, p.proconfig::text, md5(p.prosrc), p.proacl::text,"
            + " p.prorows, r.rolname, obj_description(p.oid, 'pg_proc')"
            + " from pg_proc p join pg_roles r on r.oid = p.proowner join pg_namespace n on n.oid = p.pronamespace where n.nspname in " + SCHEMAS,
        "select 'enum', n.nspname, t.typname, e.enumsortorder, e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid"
            + " join pg_namespace n on n.oid = t.typnamespace where n.nspname in " + SCHEMAS,
        "select 'type', n.nspname, t.typname, t.typtype from pg_type t join pg_namespace n on n.oid = t.typnamespace"
            + " where n.nspname in " + SCHEMAS + " and t.typtype in ('e','d','c') and t.typrelid = 0",
        "select 'extension', e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace",
        "select 'schema', nspname, nspacl::text from pg_namespace where nspname in " + SCHEMAS,
        // NULL is the built-in default: the same privileges as that default spelled out; the entries in
        // one order (a revoke and a grant again put the same entries in another)
        "select 'database acl', array(select a::text from unnest(coalesce(datacl, acldefault('d', datdba))) a"
            + " order by 1)::text from pg_database where datname = current_database()",
        "select 'default acl', pg_get_userbyid(defaclrole), defaclnamespace::regnamespace::text, defaclobjtype,"
            + " defaclacl::text from pg_default_acl",
        "select 'role setting', pg_get_userbyid(setrole), setconfig::text from pg_db_role_setting"
            + " where setdatabase = (select oid from pg_database where datname = current_database())",
        "select 'comment', n.nspname, c.relname, obj_description(c.oid, 'pg_class') from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace where n.nspname in " + SCHEMAS
            + " and obj_description(c.oid, 'pg_class') is not null",
    };

    private CatalogSnapshot() {
    }

    static List<String> of(DataSource dataSource) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String query : QUERIES) {
                try (ResultSet rs = s.executeQuery(query)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder line = new StringBuilder();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            line.append(i == 1 ? "" : " | ").append(rs.getString(i));
                        }
                        lines.add(line.toString());
                    }
                }
            }
        }
        lines.sort(null);
        return lines;
    }
}
