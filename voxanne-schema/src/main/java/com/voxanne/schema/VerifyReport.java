package com.voxanne.schema;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The result of {@link VoxanneSchema#verify()}: one {@link Check} per item of the verification checklist.
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
     * @param item what is checked, for example "RLS enabled and forced"
     * @param status the outcome
     * @param reason why: what was found, or what is missing
     */
    public record Check(String item, Status status, String reason) {
    }

    /** True when no check failed (warnings allowed). */
    public boolean passed() {
        return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
    }

    /** The checks with the given status. */
    public List<Check> withStatus(Status status) {
        return checks.stream().filter(c -> c.status() == status).collect(Collectors.toUnmodifiableList());
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
