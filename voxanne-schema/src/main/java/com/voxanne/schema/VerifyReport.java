package com.voxanne.schema;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The result of {@link VoxanneSchema#verify()}: one {@link Check} per item of the verification checklist.
 * Select an item by its id, {@code report.check(VerifyCheck.RLS_ENABLED_AND_FORCED)}, never by its title.
 *
 * @param checks the checks, in checklist order
 */
public record VerifyReport(List<Check> checks) {

    /** Copies the list. */
    public VerifyReport {
        checks = List.copyOf(checks);
    }

    /** The outcome of one check. */
    public enum Status {
        /** The item holds. */
        PASS,
        /** The item holds only partly, or cannot be checked here (for example pgaudit is not preloaded). */
        WARN,
        /** The item does not hold. */
        FAIL
    }

    /**
     * One checklist item.
     *
     * @param id which item: its stable id
     * @param table the table an item made once per table is about ({@link VerifyCheck#SERVICE_MIGRATIONS_APPLIED}:
     *     the service's history table), else null
     * @param status the outcome
     * @param reason what was found; on WARN or FAIL, what is wrong and, where SQL fixes it, that SQL
     */
    public record Check(VerifyCheck id, String table, Status status, String reason) {

        /** Checks that id, status and reason are given. */
        public Check {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(reason, "reason");
        }

        /** An item made once for the whole database ({@link #table()} null). */
        public Check(VerifyCheck id, Status status, String reason) {
            this(id, null, status, reason);
        }

        /** The item's title for an operator, with its table where it has one: "Service migrations applied (intake_schema_history)". */
        public String item() {
            return table == null ? id.title() : id.title() + " (" + table + ")";
        }
    }

    /** True when no check failed (warnings allowed). */
    public boolean passed() {
        return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
    }

    /** The checks with the given status. */
    public List<Check> withStatus(Status status) {
        return checks.stream().filter(c -> c.status() == status).collect(Collectors.toUnmodifiableList());
    }

    /**
     * The check with this id; empty when the report has none (verification could not connect, or
     * {@link VerifyCheck#SERVICE_MIGRATIONS_APPLIED} without configured services). For an item made once
     * per table, the first: see {@link #check(VerifyCheck, String)}.
     */
    public Optional<Check> check(VerifyCheck id) {
        return checks.stream().filter(c -> c.id() == id).findFirst();
    }

    /** The check with this id about this table ({@link Check#table()}), if the report has it. */
    public Optional<Check> check(VerifyCheck id, String table) {
        return checks.stream().filter(c -> c.id() == id && Objects.equals(c.table(), table)).findFirst();
    }

    /** A plain-text table, one line per check. */
    @Override
    public String toString() {
        int width = checks.stream().mapToInt(c -> c.item().length()).max().orElse(10);
        StringBuilder sb = new StringBuilder();
        for (Check c : checks) {
            sb.append(String.format("%-4s  %-" + width + "s  %s%n", c.status(), c.item(), c.reason()));
        }
        return sb.toString();
    }
}
