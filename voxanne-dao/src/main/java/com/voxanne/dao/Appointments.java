package com.voxanne.dao;

/** The appointments of the organization a unit of work is bound to. */
public interface Appointments {
}
