/**
 * How {@link com.voxanne.schema.VoxanneSchema} does its work: Flyway set-up, the rollback runner and the
 * checklist verifier. Not API: it may change in any release.
 */
package com.voxanne.schema.internal;
