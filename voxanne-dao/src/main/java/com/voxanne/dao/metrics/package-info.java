/**
 * Micrometer meters for the DAO: {@link com.voxanne.dao.metrics.VoxanneMetrics}, a
 * {@link com.voxanne.dao.VoxanneObserver} that records every repository call, unit of work, webhook
 * intake and notification subscription. Micrometer is an optional dependency of {@code voxanne-dao}:
 * a service that uses this package has {@code micrometer-core} on its class path already.
 */
package com.voxanne.dao.metrics;
