/**
 * Binding a request's identity to a transaction, exactly as PostgREST and Supabase do: the role and the
 * JWT claims are set transaction-locally by the first statement, so row-level security sees the end
 * user and nothing is left on a pooled connection. The same statement blanks the per-claim settings an
 * earlier borrower may have left on the session and sets the role's statement and lock timeouts
 * ({@link com.voxanne.schema.session.RoleTimeouts}). The DAO and the test kit both bind through
 * {@link com.voxanne.schema.session.RequestBinding}; there is no second implementation.
 */
package com.voxanne.schema.session;
