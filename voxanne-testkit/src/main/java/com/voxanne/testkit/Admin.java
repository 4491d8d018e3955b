package com.voxanne.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Asks for the admin connection instead of the login role's: {@code @Admin DataSource} or
 * {@code @Admin DSLContext}. The admin role is a superuser that bypasses row-level security, so use it
 * for setup and inspection only, never for the code under test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Admin {
}
