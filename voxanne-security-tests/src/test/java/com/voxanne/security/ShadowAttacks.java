package com.voxanne.security;

import static com.voxanne.security.FunctionAttackSupport.execute;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The objects an API role can plant in its session's temporary schema to take over the name resolution
 * of a function: each {@link Attack} is a list of statements that assume the payload of {@link
 * FunctionAttackSupport#plantPayload} exists, and that make the payload run whenever a function resolves
 * one of the planted names. To extend the suite, add an entry to {@link #all()}.
 */
final class ShadowAttacks {

    /** Built-in types whose names our functions write unqualified (declarations, casts, literals). */
    static final List<String> DOMAIN_TYPES = List.of(
            "uuid", "text", "jsonb", "int4", "int8", "timestamptz", "bool", "interval", "tstzrange", "varchar", "name");

    /**
     * Our own types' names: written qualified ({@code public.notification_status}) they are never looked
     * up; a bare one in a body would find {@code pg_temp}'s (which pg_temp named last does not prevent).
     */
    static final List<String> OUR_TYPE_NAMES = List.of("notification_type", "notification_status",
            "notification_priority", "organization_status", "appointment_status", "lead_score_type", "lead_status_type");

    /** Types an attacker re-creates as composite types with casts from and to the built-in one. */
    static final List<String> COMPOSITE_TYPES = List.of("uuid", "text", "jsonb", "timestamptz", "int4", "bool");

    /** Relations our functions read or write (qualified, so these must never be reached). */
    static final List<String> RELATIONS = List.of("pg_roles", "pg_authid", "organizations", "contacts", "appointments",
            "notifications", "audit_logs", "users", "processed_webhook_events", "voxanne_security_baseline");

    private ShadowAttacks() {
    }

    /** One way of shadowing names, as the statements that plant it. */
    record Attack(String name, List<String> statements) {
        void plant(Connection c) throws SQLException {
            for (String sql : statements) {
                execute(c, sql);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every single attack, then the combined ones. */
    static List<Attack> all() {
        List<Attack> attacks = new ArrayList<>();
        DOMAIN_TYPES.forEach(t -> attacks.add(new Attack("domain " + t, domain(t))));
        OUR_TYPE_NAMES.forEach(t -> attacks.add(new Attack("domain named " + t, domainNamed(t))));
        COMPOSITE_TYPES.forEach(t -> attacks.add(new Attack("composite " + t + " with casts", composite(t))));
        attacks.add(new Attack("operators", operators()));
        RELATIONS.forEach(r -> attacks.add(new Attack("temp table " + r, table(r))));
        RELATIONS.forEach(r -> attacks.add(new Attack("temp view " + r, view(r))));
        attacks.addAll(combined());
        return attacks;
    }

    /**
     * Everything that can coexist in one session, in two sets (a domain and a composite type cannot share
     * a name), and the first set again with the session's own search_path naming pg_temp first (which
     * only functions without a SET clause would follow).
     */
    static List<Attack> combined() {
        return List.of(
                new Attack("search_path pg_temp first + all domains + operators + temp views", Stream.of(
                        Stream.of("select pg_catalog.set_config('search_path', 'pg_temp, public, pg_catalog', true)"),
                        DOMAIN_TYPES.stream().flatMap(t -> domain(t).stream()),
                        OUR_TYPE_NAMES.stream().flatMap(t -> domainNamed(t).stream()),
                        operators().stream(),
                        RELATIONS.stream().flatMap(r -> view(r).stream())).flatMap(s -> s).collect(Collectors.toList())),
                new Attack("all domains + operators + temp views", Stream.of(
                        DOMAIN_TYPES.stream().flatMap(t -> domain(t).stream()),
                        OUR_TYPE_NAMES.stream().flatMap(t -> domainNamed(t).stream()),
                        operators().stream(),
                        RELATIONS.stream().flatMap(r -> view(r).stream())).flatMap(s -> s).collect(Collectors.toList())),
                new Attack("all composites with casts + temp tables", Stream.of(
                        COMPOSITE_TYPES.stream().flatMap(t -> composite(t).stream()),
                        RELATIONS.stream().flatMap(r -> table(r).stream())).flatMap(s -> s).collect(Collectors.toList())));
    }

    /**
     * {@code pg_temp.<type>}, a domain over the built-in type whose CHECK calls the payload: anything
     * that declares, casts to or assigns to {@code <type>} by its bare name and finds this one runs the
     * payload with the rights of whoever is executing (the owner, in a SECURITY DEFINER function).
     */
    static List<String> domain(String type) {
        return List.of("create domain pg_temp." + type + " as pg_catalog." + type
                + " check (pg_temp.voxanne_payload('domain " + type + "') or value is null)");
    }

    /** {@code pg_temp.<name>}, a text domain whose CHECK calls the payload, named like one of our types. */
    static List<String> domainNamed(String name) {
        return List.of("create domain pg_temp." + name + " as pg_catalog.text"
                + " check (pg_temp.voxanne_payload('domain named " + name + "') or value is null)");
    }

    /**
     * {@code pg_temp.<type>} as a composite type, with implicit casts from the built-in type (and from
     * text) to it and back, each through a function that calls the payload: a bare {@code ::<type>} or
     * a variable declared {@code <type>} then converts through the attacker's functions.
     */
    static List<String> composite(String type) {
        List<String> sql = new ArrayList<>();
        sql.add("create type pg_temp." + type + " as (v pg_catalog.text)");
        sql.add("create function pg_temp.voxanne_to_" + type + "(x pg_catalog." + type + ") returns pg_temp." + type
                + " language plpgsql as $$ begin perform pg_temp.voxanne_payload('cast to " + type + "');"
                + " return row(x::pg_catalog.text); end $$");
        sql.add("create cast (pg_catalog." + type + " as pg_temp." + type + ") with function pg_temp.voxanne_to_" + type
                + "(pg_catalog." + type + ") as implicit");
        sql.add("create function pg_temp.voxanne_from_" + type + "(x pg_temp." + type + ") returns pg_catalog." + type
                + " language plpgsql as $$ begin perform pg_temp.voxanne_payload('cast from " + type + "');"
                + " return (x).v::pg_catalog." + type + "; end $$");
        sql.add("create cast (pg_temp." + type + " as pg_catalog." + type + ") with function pg_temp.voxanne_from_" + type
                + "(pg_temp." + type + ") as implicit");
        if (!type.equals("text")) {
            sql.add("create function pg_temp.voxanne_text_to_" + type + "(x pg_catalog.text) returns pg_temp." + type
                    + " language plpgsql as $$ begin perform pg_temp.voxanne_payload('cast text to " + type + "');"
                    + " return row(x); end $$");
            sql.add("create cast (pg_catalog.text as pg_temp." + type + ") with function pg_temp.voxanne_text_to_" + type
                    + "(pg_catalog.text) as implicit");
        }
        return sql;
    }

    /**
     * Operators in {@code pg_temp} for the comparisons and accessors our functions use, each calling the
     * payload and then the built-in operator. PostgreSQL never looks up operators (or functions) in
     * {@code pg_temp} unless qualified, so these show that rule holds for every function of ours.
     */
    static List<String> operators() {
        List<String> sql = new ArrayList<>();
        operator(sql, "eq_uuid", "=", "pg_catalog.uuid", "pg_catalog.uuid", "pg_catalog.bool");
        operator(sql, "eq_text", "=", "pg_catalog.text", "pg_catalog.text", "pg_catalog.bool");
        operator(sql, "ilike", "~~*", "pg_catalog.text", "pg_catalog.text", "pg_catalog.bool");
        operator(sql, "like", "~~", "pg_catalog.text", "pg_catalog.text", "pg_catalog.bool");
        operator(sql, "contains", "@>", "pg_catalog.text[]", "pg_catalog.text[]", "pg_catalog.bool");
        operator(sql, "field", "->>", "pg_catalog.jsonb", "pg_catalog.text", "pg_catalog.text");
        operator(sql, "concat", "||", "pg_catalog.text", "pg_catalog.text", "pg_catalog.text");
        operator(sql, "lt_tstz", "<", "pg_catalog.timestamptz", "pg_catalog.timestamptz", "pg_catalog.bool");
        operator(sql, "le_tstz", "<=", "pg_catalog.timestamptz", "pg_catalog.timestamptz", "pg_catalog.bool");
        operator(sql, "ne_int4", "<>", "pg_catalog.int4", "pg_catalog.int4", "pg_catalog.bool");
        operator(sql, "le_int8", "<=", "pg_catalog.int8", "pg_catalog.int8", "pg_catalog.bool");
        return sql;
    }

    private static void operator(List<String> sql, String name, String op, String left, String right, String result) {
        sql.add("create function pg_temp.voxanne_op_" + name + "(a " + left + ", b " + right + ") returns " + result
                + " language plpgsql as $$ begin perform pg_temp.voxanne_payload('operator " + op + "');"
                + " return a operator(pg_catalog." + op + ") b; end $$");
        sql.add("create operator pg_temp." + op + " (leftarg = " + left + ", rightarg = " + right
                + ", function = pg_temp.voxanne_op_" + name + ")");
    }

    /**
     * A temporary table named like a relation of ours, with a row that would make a reader believe the
     * session is a superuser of organization-less data, and triggers that call the payload on any write.
     */
    static List<String> table(String name) {
        return List.of(
                "create temporary table " + name + " (id pg_catalog.uuid, org_id pg_catalog.uuid,"
                        + " user_id pg_catalog.uuid, rolname pg_catalog.name, rolsuper pg_catalog.bool,"
                        + " raw_app_meta_data pg_catalog.jsonb, status pg_catalog.text)",
                "insert into pg_temp." + name + " values (pg_catalog.gen_random_uuid(), null, null,"
                        + " session_user, true, '{}'::pg_catalog.jsonb, 'active')",
                "create trigger voxanne_row before insert or update or delete on pg_temp." + name
                        + " for each row execute function pg_temp.voxanne_payload_trigger()",
                "create trigger voxanne_statement before insert or update or delete or truncate on pg_temp." + name
                        + " for each statement execute function pg_temp.voxanne_payload_trigger()");
    }

    /** A temporary view named like a relation of ours whose every scan calls the payload. */
    static List<String> view(String name) {
        return List.of("create temporary view " + name + " as select v.* from (values (pg_catalog.gen_random_uuid(),"
                + " null::pg_catalog.uuid, null::pg_catalog.uuid, session_user::pg_catalog.name, true,"
                + " '{}'::pg_catalog.jsonb, 'active'::pg_catalog.text))"
                + " v (id, org_id, user_id, rolname, rolsuper, raw_app_meta_data, status)"
                + " where pg_temp.voxanne_payload('view " + name + "')");
    }
}
