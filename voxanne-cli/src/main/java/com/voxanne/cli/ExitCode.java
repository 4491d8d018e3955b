package com.voxanne.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of {@code voxanne}, one per failure an operator can act on, so that scripts can tell
 * "fix the password" from "the database is newer than this tool" without parsing messages. The help
 * footer and the README are generated from / checked against this list.
 */
enum ExitCode {
    OK(0, "success"),
    FAILED(1, "any other failure; the message says what (--verbose: stack trace)"),
    USAGE(2, "bad usage: unknown option, invalid value, conflicting settings"),
    VERIFY_FAILED(3, "verify: an item FAILs"),
    ROLLBACK_REFUSED(4, "rollback refused: would delete data (--force) or go below 17 on Citus"),
    NEWER_SCHEMA(5, "the database was migrated by a newer voxanne (nothing changed)"),
    UNREACHABLE(6, "cannot reach the server (connection refused, unknown host, timeout)"),
    AUTHENTICATION(7, "the server refused the user or password"),
    PRIVILEGE(8, "missing privilege (migrating needs a superuser; postgres on Supabase)");

    final int code;
    final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** Code → meaning, in the form picocli's {@code exitCodeList} takes for the help footer. */
    static Map<String, String> helpList() {
        Map<String, String> list = new LinkedHashMap<>();
        for (ExitCode c : values()) {
            list.put(String.format("%3d", c.code), c.meaning);
        }
        return list;
    }
}
