package com.voxanne.dao;

/**
 * The orders a contact list can be read in: newest first, ties broken by id so that keyset pagination
 * never skips or repeats a row.
 */
public enum ContactSort {
    /** Most recently changed first: the dashboard's default. */
    UPDATED,
    /** Most recently created first. */
    CREATED,
    /** Most recently contacted first; contacts never contacted come last. */
    LAST_CONTACT
}
