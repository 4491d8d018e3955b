/**
 * JUnit Jupiter fixtures for the tests of services built on Voxanne.
 *
 * <pre>{@code
 * @VoxannePostgres(migrations = "classpath:db/migration")       // ours, then yours
 * class CallNotesTest {
 *     @Test
 *     void clinicsAreIsolated(Tenants tenants, DataSource ds) {
 *         User ann = tenants.organization("Clinic A").user("ann");
 *         User bob = tenants.organization("Clinic B").user("bob");
 *         tenants.asUser(ann).run(dsl -> dsl.execute("insert into call_notes (org_id, body) values (?, 'hi')",
 *                 ann.organization().id()));
 *         RlsAssert.assertThat(ds).table("call_notes").rowsOf(ann.organization()).areInvisibleTo(bob);
 *     }
 * }
 * }</pre>
 *
 * <p>{@link com.voxanne.testkit.VoxannePostgres} (or {@link com.voxanne.testkit.VoxanneDatabaseExtension}
 * registered programmatically) gives each test class a database cloned from a migrated template and
 * injects, as parameters: the login role's {@link javax.sql.DataSource} and {@link org.jooq.DSLContext},
 * their {@link com.voxanne.testkit.Admin @Admin} counterparts for setup, the
 * {@link com.voxanne.testkit.postgres.TestDatabase} and the {@link com.voxanne.testkit.Tenants}.
 * {@link com.voxanne.testkit.RlsAssert} checks row-level security, on our tables and on yours.
 *
 * <p>The PostgreSQL server comes from {@code voxanne-testkit-postgres}: an external URL, Testcontainers
 * or an embedded server, chosen by {@code VOXANNE_TEST_BACKEND} (see that module).
 */
package com.voxanne.testkit;
