package com.voxanne.testkit.postgres.internal;

/** Quoting for the few statements that cannot take bind parameters (DDL, role and database names). */
final class Sql {

    private Sql() {
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
