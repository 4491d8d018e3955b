package com.voxanne.dao;

/** The tenant context is missing or invalid (no organization, no user, not UUIDs). */
public final class TenantContextException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** With the reason. */
    public TenantContextException(String message) {
        super(message);
    }
}
