package com.voxanne.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.voxanne.dao.Appointment;
import com.voxanne.dao.AppointmentQuery;
import com.voxanne.dao.Contact;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.spring.boot.VoxanneMigrationDataSource;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The example service over HTTP, on the test kit's database: a clinic's token reads and books only its
 * own clinic's data, a request without a token is 401 and one whose token names no clinic is 403, and the
 * actuator shows Voxanne's timers and schema health.
 */
@VoxannePostgres
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "example.jwt.secret=" + ClinicApiTest.SECRET,
        "management.endpoint.health.show-details=always"})
@AutoConfigureMockMvc
@DirtiesContext // the kit drops this class's database when the class ends: close the context's pool first
class ClinicApiTest {

    static final String SECRET = "the-example-tests-hs256-secret-0123456789";

    private static TestDatabase database;

    @BeforeAll
    static void database(TestDatabase db) {
        database = db;
    }

    /** The application's DataSource and the migrating role's, from the test kit. */
    @TestConfiguration(proxyBeanMethods = false)
    static class KitDatabase {

        @Bean
        DataSource dataSource() {
            HikariDataSource pool = new HikariDataSource();
            pool.setDataSource(database.loginDataSource());   // not superuser, not BYPASSRLS
            pool.setMaximumPoolSize(4);
            return pool;
        }

        @Bean(defaultCandidate = false)
        @VoxanneMigrationDataSource
        DataSource migratingRole() {
            return database.adminDataSource();                // for the health indicator's verify
        }
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    Voxanne voxanne;
    @LocalServerPort
    int port;

    private User ann;
    private User bob;
    private Contact annsPatient;

    @BeforeEach
    void twoClinics(Tenants tenants) {
        ann = tenants.organization("Clinic A").user("ann");
        bob = tenants.organization("Clinic B").user("bob");
        annsPatient = voxanne.contacts(context(ann)).create(NewContact.named("Ann's patient"));
    }

    @Test
    void clinicASeesItsOwnContacts() throws Exception {
        mvc.perform(get("/api/contacts").header("Authorization", bearer(ann)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[?(@.id == '" + annsPatient.id() + "')].name").value("Ann's patient"));
    }

    @Test
    void clinicBsTokenNeverSeesClinicAsContacts() throws Exception {
        mvc.perform(get("/api/contacts").header("Authorization", bearer(bob)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$").isEmpty());
    }

    @Test
    void clinicACanBookItsOwnContact() throws Exception {
        mvc.perform(post("/api/appointments").header("Authorization", bearer(ann))
                        .contentType(MediaType.APPLICATION_JSON).content(booking(annsPatient, 9)))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.contactId").value(annsPatient.id().toString()))
                .andExpect(jsonPath("$.status").value("pending"));
    }

    @Test
    void clinicBCannotBookIntoClinicAsData() throws Exception {
        mvc.perform(post("/api/appointments").header("Authorization", bearer(bob))
                        .contentType(MediaType.APPLICATION_JSON).content(booking(annsPatient, 11)))
                .andExpect(status().isNotFound());
        List<Appointment> annsAt11 = voxanne.appointments(context(ann)).list(AppointmentQuery.all()).items().stream()
                .filter(a -> a.scheduledAt().getHour() == 11).toList();
        assertThat(annsAt11).isEmpty();
        assertThat(voxanne.appointments(context(bob)).list(AppointmentQuery.all()).items()).isEmpty();
    }

    @Test
    void noTokenIs401() throws Exception {
        mvc.perform(get("/api/contacts")).andExpect(status().isUnauthorized());
        mvc.perform(post("/api/appointments").contentType(MediaType.APPLICATION_JSON).content(booking(annsPatient, 13)))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void aTokenWithoutAClinicIs403() throws Exception {
        String noClinic = token(Map.of(), ann.id().toString());
        mvc.perform(get("/api/contacts").header("Authorization", "Bearer " + noClinic)).andExpect(status().isForbidden());
        mvc.perform(post("/api/appointments").header("Authorization", "Bearer " + noClinic)
                        .contentType(MediaType.APPLICATION_JSON).content(booking(annsPatient, 14)))
                .andExpect(status().isForbidden());
    }

    @Test
    void theActuatorShowsVoxannesTimersAndSchemaHealth() throws Exception {
        mvc.perform(get("/api/contacts").header("Authorization", bearer(ann))).andExpect(status().isOk());

        mvc.perform(get("/actuator/metrics/voxanne.operation").header("Authorization", bearer(ann))
                        .param("tag", "repository:contacts").param("tag", "operation:list").param("tag", "outcome:ok"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.measurements[?(@.statistic == 'COUNT')].value").value(org.hamcrest.Matchers.hasItem(
                        org.hamcrest.Matchers.greaterThanOrEqualTo(1.0))));
        mvc.perform(get("/actuator/metrics/voxanne.unit").header("Authorization", bearer(ann))).andExpect(status().isOk());
        mvc.perform(get("/actuator/health"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.components.voxanne.status").value("UP"));
    }

    @Test
    void overARealPortTheStatusesAreTheSameAsInMockMvc() throws Exception {
        // Tomcat forwards a failed request to /error, which must keep the status Spring Security chose
        HttpClient http = HttpClient.newHttpClient();
        assertThat(statusOf(http, null)).isEqualTo(401);
        assertThat(statusOf(http, "Bearer " + token(Map.of(), ann.id().toString()))).isEqualTo(403);
        assertThat(statusOf(http, bearer(bob))).isEqualTo(200);
    }

    private int statusOf(HttpClient http, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/contacts"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static OrgContext context(User user) {
        return OrgContext.of(user.organization().id(), user.id());
    }

    private static String booking(Contact contact, int hour) {
        OffsetDateTime start = OffsetDateTime.of(2031, 3, 3, hour, 0, 0, 0, ZoneOffset.UTC);
        return "{\"contactId\":\"" + contact.id() + "\",\"serviceType\":\"botox\",\"start\":\"" + start
                + "\",\"durationMinutes\":30}";
    }

    private static String bearer(User user) {
        return "Bearer " + token(Map.of("org_id", user.organization().id().toString()), user.id().toString());
    }

    /** A token as Supabase signs it: HS256 with the project's JWT secret. */
    private static String token(Map<String, Object> appMetadata, String subject) {
        try {
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).claim("role", "authenticated")
                    .claim("app_metadata", appMetadata)
                    .issueTime(Date.from(Instant.now())).expirationTime(Date.from(Instant.now().plusSeconds(300)))
                    .build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
