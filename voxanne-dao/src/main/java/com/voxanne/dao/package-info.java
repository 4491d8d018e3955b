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
 *
 * <p>No patient data in messages: no exception message (nor any cause's), no log line and no
 * {@code toString()} of this library holds a contact's name, phone, e-mail or notes, an appointment's
 * notes, a notification's title or message, or any other free text a clinic writes about a patient. A
 * refused input names the field and the rule ({@code phone: not a valid phone number for region US
 * (NOT_A_NUMBER)}); a database error names the SQLSTATE and the constraint, table or column, and its
 * cause is a scrubbed copy of the driver's exception (the server's DETAIL quotes the row). The value types
 * that hold patient data print as {@code Type[name=value, ...]}: ids, organizations, statuses, enums, times,
 * flags and counts as themselves, patient data as {@code <redacted>} when set and {@code null} when not
 * (an empty list as {@code []}), for example {@code Contact[id=..., organizationId=..., name=<redacted>,
 * phone=null, ...]}.
 */
package com.voxanne.dao;
