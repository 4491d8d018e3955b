package com.voxanne.dao;

import java.util.List;
import java.util.Optional;

/**
 * One page of a keyset-paginated list. Pass {@link #nextCursor()} back to get the next page; the cursor
 * is opaque and stays valid while rows are added or removed (no offsets, no exact counts).
 *
 * @param items the rows of this page, in the list's order
 * @param nextCursor where the next page starts, empty on the last page
 * @param <T> the row type
 */
public record Page<T>(List<T> items, Optional<String> nextCursor) {
    /** Copies the list. */
    public Page {
        items = List.copyOf(items);
    }

    /** Whether a next page exists. */
    public boolean hasNext() {
        return nextCursor.isPresent();
    }
}
