/**
 * A real PostgreSQL to test against, whatever the machine offers.
 *
 * <p>{@link com.voxanne.testkit.postgres.TestPostgres#shared()} starts one server per JVM, lazily, from
 * one of three {@linkplain com.voxanne.testkit.postgres.PostgresBackend backends}: an external server
 * given by URL, a Testcontainers container where a Docker engine answers, or an embedded PostgreSQL
 * where there is none; or, only when named, a Citus cluster of a coordinator and two workers started
 * from installed binaries. A {@link com.voxanne.testkit.postgres.DatabaseTemplate} prepares a database once
 * (for example by running migrations) and then hands out fresh copies of it in milliseconds, so each
 * test class gets its own database. Tests connect as a {@linkplain
 * com.voxanne.testkit.postgres.PostgresServer#loginRole() login role} that is neither superuser nor
 * BYPASSRLS, so row-level security applies to them as it does in production.
 *
 * <p>This package knows nothing of the Voxanne schema; {@code voxanne-testkit} builds on it.
 */
package com.voxanne.testkit.postgres;
