package com.voxanne.spring.boot.web;

import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * In a Spring MVC application with {@link CurrentOrgContext}: a controller method's {@code OrgContext}
 * parameter is the request's context, or the request fails with 401 (not authenticated) or 403 (no valid
 * organization or user in the JWT).
 */
@AutoConfiguration(after = VoxanneSecurityAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(WebMvcConfigurer.class)
@ConditionalOnBean(CurrentOrgContext.class)
public final class VoxanneWebMvcAutoConfiguration {

    /** Registers the {@code OrgContext} argument resolver; a bean of this name replaces it. */
    @Bean
    @ConditionalOnMissingBean(name = "voxanneOrgContextArgumentResolver")
    WebMvcConfigurer voxanneOrgContextArgumentResolver(CurrentOrgContext current) {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new OrgContextArgumentResolver(current));
            }
        };
    }
}
