/**
 * Tenant-bound access to the Voxanne database.
 *
 * <pre>{@code
 * Voxanne voxanne = Voxanne.create(pool);        // refuses a superuser or BYPASSRLS login role
 * OrgContext ctx = OrgContext.of(orgId, userId);  // from the caller's verified JWT
 * voxanne.inOrg(ctx, tx -> ...);                  // one transaction, bound to that user of that clinic
 * voxanne.service().organizations().create("Glow Med Spa", "America/New_York");
 * }</pre>
 *
 * <p>Every unit of work is one transaction whose first statement binds the role ({@code authenticated},
 * or {@code service_role} for the service scope) and the JWT claims transaction-locally, exactly as
 * PostgREST does, in the same round trip as the unit's first query (a call that sends one statement
 * sends it with its commit, server-prepared; see docs/adr/0004-one-round-trip-binding.md); row-level security is the guarantee, and queries also filter by organization so that
 * the org-led indexes are used. Failures a caller can act on are subclasses of
 * {@link com.voxanne.dao.VoxanneDataException}; a row of another organization is "not found". Every
 * time the DAO returns ({@code OffsetDateTime}) is in UTC, whatever the JVM's or the session's zone.
 */
package com.voxanne.dao;
