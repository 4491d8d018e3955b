package com.voxanne.spring.boot.web;

import com.voxanne.dao.OrgContext;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Where Spring Security and its JWT support are on the class path: the {@link OrgContextResolver}
 * ({@link JwtClaimsOrgContextResolver} unless the application declares one) and {@link CurrentOrgContext}.
 */
@AutoConfiguration
@ConditionalOnClass({OrgContext.class, SecurityContextHolder.class, Jwt.class})
public final class VoxanneSecurityAutoConfiguration {

    /** {@code app_metadata.org_id} and {@code sub} of the verified JWT. */
    @Bean
    @ConditionalOnMissingBean
    OrgContextResolver orgContextResolver() {
        return new JwtClaimsOrgContextResolver();
    }

    /** The current request's context, for code that is not a controller method. */
    @Bean
    @ConditionalOnMissingBean
    CurrentOrgContext currentOrgContext(OrgContextResolver resolver) {
        return new CurrentOrgContext(resolver);
    }
}
