package com.voxanne.spring.boot.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.voxanne.dao.OrgContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The claims contract, and refusals that name the claim and the rule but never the claim's value. */
class JwtClaimsOrgContextResolverTest {

    private static final String PATIENT_LIKE = "ann.smith@example.com";
    private final JwtClaimsOrgContextResolver resolver = new JwtClaimsOrgContextResolver();

    @Test
    void readsAppMetadataOrgIdAndSub() {
        UUID org = UUID.randomUUID();
        UUID user = UUID.randomUUID();
        OrgContext context = resolver.resolve(token(claims -> claims.subject(user.toString())
                .claim("app_metadata", Map.of("org_id", org.toString()))));
        assertEquals(OrgContext.of(org, user), context);
    }

    @Test
    void refusalsNameTheClaimButNeverItsValue() {
        UUID id = UUID.randomUUID();
        List<Consumer<Jwt.Builder>> bad = List.of(
                claims -> claims.subject(id.toString()).claim("app_metadata", Map.of("org_id", PATIENT_LIKE)),
                claims -> claims.subject(PATIENT_LIKE).claim("app_metadata", Map.of("org_id", id.toString())),
                claims -> claims.subject(id.toString()).claim("app_metadata", PATIENT_LIKE),
                claims -> claims.subject(id.toString()).claim("app_metadata", Map.of("org_id", List.of(PATIENT_LIKE))),
                claims -> claims.subject(id.toString()).claim("app_metadata", Map.of("other", PATIENT_LIKE)),
                claims -> claims.claim("app_metadata", Map.of("org_id", id.toString())));
        for (Consumer<Jwt.Builder> claims : bad) {
            OrgContextDeniedException refused = assertThrows(OrgContextDeniedException.class, () -> resolver.resolve(token(claims)));
            assertThat(refused.getMessage()).doesNotContain(PATIENT_LIKE).containsAnyOf("org_id", "sub", "app_metadata");
        }
    }

    @Test
    void anAuthenticationThatIsNotAJwtIsRefused() {
        TestingAuthenticationToken other = new TestingAuthenticationToken("someone", "password", "ROLE_USER");
        assertThrows(OrgContextDeniedException.class, () -> resolver.resolve(other));
    }

    private static JwtAuthenticationToken token(Consumer<Jwt.Builder> claims) {
        Jwt.Builder builder = Jwt.withTokenValue("t").header("alg", "HS256").issuedAt(Instant.now())
                .expiresAt(Instant.now().plusSeconds(60)).claim("role", "authenticated");
        claims.accept(builder);
        return new JwtAuthenticationToken(builder.build());
    }
}
