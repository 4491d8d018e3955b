package com.voxanne.dao;

import java.util.UUID;

/** Creating and managing organizations: backend work, available only in the {@link ServiceScope}. */
public interface Organizations {

    /**
     * Creates an active organization.
     *
     * @param name 1 to 200 characters
     * @param timezone an IANA zone id such as {@code America/New_York}
     * @throws InvalidInputException when the name or zone is invalid
     */
    Organization create(String name, String timezone);

    /**
     * The organization with this id.
     *
     * @throws TenantContextException when {@code id} is null
     * @throws NotFoundException when there is none
     */
    Organization get(UUID id);

    /**
     * Suspends it: its users keep their data but the clinic is marked inactive.
     *
     * @throws TenantContextException when {@code id} is null
     * @throws NotFoundException when there is none
     */
    Organization suspend(UUID id);

    /**
     * Makes a suspended organization active again.
     *
     * @throws TenantContextException when {@code id} is null
     * @throws NotFoundException when there is none
     */
    Organization activate(UUID id);
}
