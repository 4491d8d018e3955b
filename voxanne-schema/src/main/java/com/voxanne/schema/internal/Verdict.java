package com.voxanne.schema.internal;

import com.voxanne.schema.VerifyReport.Status;
import java.util.List;

/** What one check found: the status and the reason an operator reads. {@link Verifier} adds the item's id. */
record Verdict(Status status, String reason) {

    static Verdict pass(String reason) {
        return new Verdict(Status.PASS, reason);
    }

    static Verdict warn(String reason) {
        return new Verdict(Status.WARN, reason);
    }

    static Verdict fail(String reason) {
        return new Verdict(Status.FAIL, reason);
    }

    /** PASS with {@code passReason} when nothing was found wrong, else FAIL listing {@code problems}. */
    static Verdict of(List<String> problems, String passReason) {
        return problems.isEmpty() ? pass(passReason) : fail(String.join("; ", problems));
    }
}
