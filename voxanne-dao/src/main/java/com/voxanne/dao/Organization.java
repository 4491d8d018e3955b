package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.OrganizationStatus;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A clinic: the tenant.
 *
 * @param id its id
 * @param name its display name
 * @param status active or suspended
 * @param timezone its IANA time zone
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 */
public record Organization(UUID id, String name, OrganizationStatus status, String timezone,
                           OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}
