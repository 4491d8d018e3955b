package com.voxanne.testkit;

import com.voxanne.schema.session.RequestClaims;
import java.util.UUID;

/** A user of one organization, created by {@link Organization#user(String)}. */
public interface User {

    /** Its id in {@code auth.users}: the {@code sub} claim, {@code auth.uid()}. */
    UUID id();

    /** The name it was created with. */
    String name();

    /** Its e-mail address in {@code auth.users} (unique, under {@code example.test}). */
    String email();

    /** The organization it belongs to. */
    Organization organization();

    /** What acting as this user binds: role {@code authenticated}, its id and its organization's. */
    default RequestClaims claims() {
        return RequestClaims.user(organization().id(), id());
    }
}
