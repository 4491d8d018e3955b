package com.voxanne.schema;

/**
 * One migration (or rollback script) that ran.
 *
 * @param version its version, for example {@code "6"}
 * @param description its description, for example {@code "contacts"}
 * @param millis how long it took
 */
public record AppliedMigration(String version, String description, long millis) {
}
