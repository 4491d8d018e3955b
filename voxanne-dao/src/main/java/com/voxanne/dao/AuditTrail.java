package com.voxanne.dao;

/** The audit trail: backend work of the {@link ServiceScope}. */
public interface AuditTrail {
}
