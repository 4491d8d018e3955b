/**
 * Implementation of the test kit: the extension's database fixtures and template preparation, the
 * tenants, and the row-level security probes behind {@link com.voxanne.testkit.RlsAssert}. Not API: it
 * may change in any release. Every binding of a role and claims goes through
 * {@link com.voxanne.schema.session.RequestBinding}, the one implementation the DAO uses too.
 */
package com.voxanne.testkit.internal;
