/**
 * Spring Boot auto-configuration for Voxanne Data: {@link com.voxanne.dao.Voxanne} over the application's
 * {@code DataSource}, the {@code voxanne.*} properties ({@link com.voxanne.spring.boot.VoxanneProperties}),
 * migration at start-up, the guard against units inside Spring transactions
 * ({@link com.voxanne.spring.boot.VoxanneSpringTransactions}) and the schema health indicator.
 */
package com.voxanne.spring.boot;
