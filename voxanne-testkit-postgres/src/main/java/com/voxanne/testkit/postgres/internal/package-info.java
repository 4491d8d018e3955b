/**
 * Implementation of the test kit's PostgreSQL provisioning: the three backends, the chooser between
 * them, and the server wrapper that manages templates, clones and the login role. Not API: it may
 * change in any release.
 */
package com.voxanne.testkit.postgres.internal;
