package com.voxanne.spring.boot.web;

import com.voxanne.dao.OrgContext;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Gives a controller method's {@link OrgContext} parameter the request's context
 * ({@link CurrentOrgContext#get()}); its exceptions reach Spring Security's filter, which answers 401 or
 * 403.
 */
final class OrgContextArgumentResolver implements HandlerMethodArgumentResolver {

    private final CurrentOrgContext current;

    OrgContextArgumentResolver(CurrentOrgContext current) {
        this.current = current;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == OrgContext.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
        return current.get();
    }
}
