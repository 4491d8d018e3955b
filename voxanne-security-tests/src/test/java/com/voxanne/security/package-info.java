/**
 * The adversarial suite. Each {@code *AttackTest} plays an attacker with a SQL session of an API role
 * (or a poisoned pooled connection) against a migrated database, asserts the attack is defeated, and
 * runs the legitimate call beside it as a control. Where it can, a test also shows the attack working
 * on a database without the protection, so that it could not pass whatever the database did.
 */
package com.voxanne.security;
