/**
 * Regenerates the jOOQ classes of voxanne-schema from a throwaway PostgreSQL migrated by the library's own
 * migrations: {@link com.voxanne.codegen.GenerateJooq}. A maintainer's tool, run by one command (see
 * {@link com.voxanne.codegen.GenerateJooq#COMMAND}); CI runs {@code voxanne-codegen/check-drift.sh}.
 */
package com.voxanne.codegen;
