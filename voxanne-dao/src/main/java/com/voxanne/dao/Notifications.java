package com.voxanne.dao;

/** The acting user's own notifications in the organization a unit of work is bound to. */
public interface Notifications {
}
