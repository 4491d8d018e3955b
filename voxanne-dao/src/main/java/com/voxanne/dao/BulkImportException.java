package com.voxanne.dao;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A bulk import was refused: every invalid row is listed, and nothing was written. Fix the rows and
 * import the whole batch again. A row error names the row's index, the field and the rule, never the
 * row's values.
 */
public final class BulkImportException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** How many row errors the message spells out; {@link #errors()} always has them all. */
    private static final int ERRORS_IN_MESSAGE = 10;

    /**
     * One problem of one row.
     *
     * @param row the row's index in the imported list, from 0
     * @param field the invalid field, for example {@code phone}
     * @param reason why it is invalid
     */
    public record RowError(int row, String field, String reason) {
        @Override
        public String toString() {
            return "row " + row + " " + field + ": " + reason;
        }
    }

    private final List<RowError> errors;

    /** The import of {@code rows} rows was refused because of {@code errors} (not empty), in row order. */
    public BulkImportException(int rows, List<RowError> errors) {
        super(message(rows, errors));
        this.errors = List.copyOf(errors);
    }

    private static String message(int rows, List<RowError> errors) {
        long invalidRows = errors.stream().mapToInt(RowError::row).distinct().count();
        String shown = errors.stream().limit(ERRORS_IN_MESSAGE).map(RowError::toString).collect(Collectors.joining("; "));
        return invalidRows + " of " + rows + " rows are invalid, nothing was imported: " + shown
                + (errors.size() > ERRORS_IN_MESSAGE ? "; and " + (errors.size() - ERRORS_IN_MESSAGE) + " more" : "");
    }

    /** Every problem found, in row order; a row may have several. */
    public List<RowError> errors() {
        return errors;
    }
}
