package com.voxanne.testkit;

import java.util.UUID;

/** An organization (a clinic, the tenant) created by {@link Tenants#organization(String)}. */
public interface Organization {

    /** Its id: the {@code org_id} of its rows. */
    UUID id();

    /** The name it was created with. */
    String name();

    /**
     * The user with this name in this organization, created on first use in {@code auth.users} with
     * {@code app_metadata.org_id} = {@link #id()}.
     */
    User user(String name);
}
