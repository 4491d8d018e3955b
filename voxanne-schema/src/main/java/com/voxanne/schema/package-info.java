/**
 * The Voxanne database schema: its migrations, and the API to apply, inspect, verify and roll them back.
 *
 * <pre>{@code
 * VoxanneSchema schema = VoxanneSchema.configure().dataSource(adminDataSource).load();
 * schema.migrate();
 * VerifyReport report = schema.verify();
 * }</pre>
 *
 * <p>The migrations live on the classpath under {@value com.voxanne.schema.VoxanneSchema#MIGRATION_LOCATION}
 * and record themselves in the history table {@value com.voxanne.schema.VoxanneSchema#HISTORY_TABLE}, so a
 * service can keep its own Flyway migrations beside them, in a history table of their own: given as
 * {@link com.voxanne.schema.ServiceMigrations}, {@code VoxanneSchema} applies them after Voxanne's and
 * {@code verify()} judges the service's tables too. They run unchanged on hosted Supabase and on
 * PostgreSQL 15 to 18. {@code schema.loginRole("voxanne_app").password(pw).apply()} creates or brings in
 * line the login role the DAO's pool uses.
 */
package com.voxanne.schema;
