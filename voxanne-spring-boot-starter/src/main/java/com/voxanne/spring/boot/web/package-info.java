/**
 * The request's {@link com.voxanne.dao.OrgContext} from Spring Security's verified JWT: as a controller
 * method parameter, through {@link com.voxanne.spring.boot.web.CurrentOrgContext}, failing closed with 401 or 403.
 */
package com.voxanne.spring.boot.web;
