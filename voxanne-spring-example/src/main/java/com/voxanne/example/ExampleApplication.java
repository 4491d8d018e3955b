package com.voxanne.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A clinic API on Voxanne and Spring Boot: {@code GET /api/contacts} lists the caller's clinic's contacts,
 * {@code POST /api/appointments} books one of them; both need a JWT signed with the configured HS256
 * secret whose {@code app_metadata.org_id} and {@code sub} name the clinic and the user, as Supabase's do.
 * The Voxanne starter does the rest: {@code Voxanne} over {@code spring.datasource.*} (a login role that is
 * neither superuser nor BYPASSRLS), the request's {@code OrgContext}, metrics and health.
 */
@SpringBootApplication
public class ExampleApplication {

    /** Starts the service. */
    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }
}
