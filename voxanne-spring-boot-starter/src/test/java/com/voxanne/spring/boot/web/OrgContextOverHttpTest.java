package com.voxanne.spring.boot.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.Contact;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The request's OrgContext over HTTP, from a verified HS256 JWT: a controller parameter and the
 * {@link CurrentOrgContext} bean; 401 without an authenticated user, 403 without a valid organization or
 * user, never a default organization. Also the test slice: a Spring Boot test on the test kit's database.
 */
@VoxannePostgres
@SpringBootTest(classes = OrgContextOverHttpTest.App.class)
@AutoConfigureMockMvc
@DirtiesContext // the kit drops the class's database when the class ends: close the context's pool first
class OrgContextOverHttpTest {

    private static TestDatabase database;

    @BeforeAll
    static void database(TestDatabase db) {
        database = db;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ClinicController.class, ClinicService.class})
    static class App {

        @Bean
        DataSource dataSource() {
            // the kit's login role (not superuser, not BYPASSRLS), pooled as in production
            HikariDataSource pool = new HikariDataSource();
            pool.setDataSource(database.loginDataSource());
            pool.setMaximumPoolSize(4);
            return pool;
        }

        @Bean
        JwtDecoder jwtDecoder() {
            return Tokens.decoder();
        }

        @Bean
        SecurityFilterChain api(HttpSecurity http) throws Exception {
            return http.authorizeHttpRequests(requests -> requests
                            .requestMatchers("/open/**").permitAll()
                            .anyRequest().authenticated())
                    .oauth2ResourceServer(server -> server.jwt(Customizer.withDefaults()))
                    .csrf(csrf -> csrf.disable())
                    .build();
        }
    }

    @RestController
    static class ClinicController {
        private final Voxanne voxanne;
        private final ClinicService service;

        ClinicController(Voxanne voxanne, ClinicService service) {
            this.voxanne = voxanne;
            this.service = service;
        }

        @GetMapping("/me")
        String me(OrgContext context) {
            return context.organizationId() + " " + context.userId();
        }

        @GetMapping("/open/me")
        String openMe(OrgContext context) {
            return me(context);
        }

        @GetMapping("/contacts")
        List<String> contacts(OrgContext context) {
            return voxanne.contacts(context).list(ContactQuery.all()).items().stream().map(Contact::name).toList();
        }

        @GetMapping("/service/me")
        String serviceMe() {
            return service.organization().toString();
        }
    }

    /** Code below the controller, reaching the request's context through the bean. */
    static class ClinicService {
        private final CurrentOrgContext current;

        ClinicService(CurrentOrgContext current) {
            this.current = current;
        }

        UUID organization() {
            return current.get().organizationId();
        }
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    Voxanne voxanne;

    private User ann;
    private User bob;

    @BeforeEach
    void clinics(Tenants tenants) {
        ann = tenants.organization("Clinic A").user("ann");
        bob = tenants.organization("Clinic B").user("bob");
    }

    @Test
    void aVerifiedTokenGivesItsOwnOrganizationAndUser() throws Exception {
        mvc.perform(get("/me").header("Authorization", bearer(Tokens.user(ann.organization().id(), ann.id()))))
                .andExpect(status().isOk())
                .andExpect(content().string(ann.organization().id() + " " + ann.id()));
    }

    @Test
    void clinicBsTokenNeverSeesClinicAsContacts() throws Exception {
        voxanne.contacts(OrgContext.of(ann.organization().id(), ann.id())).create(NewContact.named("Ann's patient"));

        mvc.perform(get("/contacts").header("Authorization", bearer(Tokens.user(bob.organization().id(), bob.id()))))
                .andExpect(status().isOk()).andExpect(content().json("[]"));
        // control: clinic A's own token sees it
        mvc.perform(get("/contacts").header("Authorization", bearer(Tokens.user(ann.organization().id(), ann.id()))))
                .andExpect(status().isOk()).andExpect(content().json("[\"Ann's patient\"]"));
    }

    @Test
    void noTokenIs401() throws Exception {
        mvc.perform(get("/me")).andExpect(status().isUnauthorized());
    }

    @Test
    void aTokenSignedWithAnotherSecretIs401() throws Exception {
        String forged = Tokens.token("another-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8),
                claims -> claims.subject(ann.id().toString())
                        .claim("app_metadata", java.util.Map.of("org_id", ann.organization().id().toString())));
        mvc.perform(get("/me").header("Authorization", bearer(forged))).andExpect(status().isUnauthorized());
    }

    @Test
    void aPermittedRouteAskingForTheContextWithoutATokenIs401() throws Exception {
        mvc.perform(get("/open/me")).andExpect(status().isUnauthorized());
        // control: the same route with a token
        mvc.perform(get("/open/me").header("Authorization", bearer(Tokens.user(ann.organization().id(), ann.id()))))
                .andExpect(status().isOk());
    }

    @Test
    void aTokenWithoutAnOrganizationIs403() throws Exception {
        mvc.perform(get("/me").header("Authorization", bearer(Tokens.user(null, ann.id()))))
                .andExpect(status().isForbidden());
    }

    @Test
    void aTokenWithoutAUserIs403() throws Exception {
        mvc.perform(get("/me").header("Authorization", bearer(Tokens.user(ann.organization().id(), null))))
                .andExpect(status().isForbidden());
    }

    @Test
    void anOrganizationThatIsNotAUuidIs403AndIsNotEchoed() throws Exception {
        MvcResult result = mvc.perform(get("/me").header("Authorization", bearer(Tokens.user("clinic-a@example.com", ann.id()))))
                .andExpect(status().isForbidden()).andReturn();
        assertThat(result.getResponse().getContentAsString()).doesNotContain("clinic-a@example.com");
        assertThat(String.valueOf(result.getResponse().getHeader("WWW-Authenticate"))).doesNotContain("clinic-a@example.com");
    }

    @Test
    void appMetadataThatIsNotAnObjectIs403() throws Exception {
        String token = Tokens.token(Tokens.SECRET, claims -> claims.subject(ann.id().toString())
                .claim("app_metadata", ann.organization().id().toString()));
        mvc.perform(get("/me").header("Authorization", bearer(token))).andExpect(status().isForbidden());
    }

    @Test
    void theCurrentOrgContextBeanServesCodeBelowTheControllerAndFailsClosed() throws Exception {
        mvc.perform(get("/service/me").header("Authorization", bearer(Tokens.user(bob.organization().id(), bob.id()))))
                .andExpect(status().isOk()).andExpect(content().string(bob.organization().id().toString()));
        mvc.perform(get("/service/me").header("Authorization", bearer(Tokens.user(null, bob.id()))))
                .andExpect(status().isForbidden());
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }
}
