package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.AUDIT_LOGS;

import com.voxanne.dao.ArchiveResult;
import com.voxanne.dao.AuditEvent;
import com.voxanne.dao.AuditQuery;
import com.voxanne.dao.AuditSink;
import com.voxanne.dao.AuditTrail;
import com.voxanne.dao.ConflictException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.Page;
import com.voxanne.dao.SuspiciousActivity;
import com.voxanne.dao.TenantContextException;
import com.voxanne.schema.jooq.Routines;
import com.voxanne.schema.jooq.tables.DetectSuspiciousActivity;
import com.voxanne.schema.session.RequestClaims;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.types.YearToSecond;

/**
 * {@link AuditTrail} in the service scope: every call is one transaction as {@code service_role}, the
 * only API role that may read the trail or call its functions.
 */
final class AuditTrailImpl implements AuditTrail {

    /** Rows per round trip while archiving: the only rows held in memory at once. */
    static final int ARCHIVE_FETCH_SIZE = 1_000;
    private static final Duration MAX_WINDOW = Duration.ofDays(366);
    private static final long MAX_RETENTION_DAYS = 365L * 100;

    private final Transactions transactions;
    private final Inputs inputs;

    AuditTrailImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }

    @Override
    public Page<AuditEvent> events(AuditQuery query) {
        if (query == null) {
            throw new InvalidInputException("query", "must not be null");
        }
        Inputs.organizationId("audit().events", query.organizationId());
        if (query.limit() < 1 || query.limit() > AuditQuery.MAX_LIMIT) {
            throw new InvalidInputException("limit", "must be between 1 and " + AuditQuery.MAX_LIMIT);
        }
        if (query.from().isPresent() && query.to().isPresent() && !query.from().get().isBefore(query.to().get())) {
            throw new InvalidInputException("from", "must be before 'to'");
        }
        String table = query.table().map(t -> inputs.identifier("table", t, 63)).orElse(null);
        String operation = query.operation()
                .map(o -> inputs.identifier("operation", o.strip(), 64).toUpperCase(Locale.ROOT)).orElse(null);
        AuditCursor after = query.cursor().map(AuditCursor::decode).orElse(null);
        int limit = query.limit();
        // one rendered SELECT: a unit of its own, in one round trip
        List<AuditEvent> rows = transactions.inUnit(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT, unit -> {
            RenderedReads.Read read = RenderedReads.select("audit.events", PAGE)
                    .where(query.organizationId(), org -> AUDIT_LOGS.ORG_ID.eq(org));
            query.from().ifPresent(from -> read.where(from, f -> AUDIT_LOGS.EVENT_TIME.ge(f)));
            query.to().ifPresent(to -> read.where(to, t -> AUDIT_LOGS.EVENT_TIME.lt(t)));
            if (table != null) {
                read.where(table, t -> AUDIT_LOGS.TABLE_NAME.eq(t));
            }
            query.user().ifPresent(user -> read.where(user, u -> AUDIT_LOGS.AUTHENTICATED_USER.eq(u)));
            if (operation != null) {
                read.where(operation, o -> AUDIT_LOGS.OPERATION.eq(o));
            }
            if (after != null) {
                read.where(after.eventTime(), after.id(), (time, id) -> DSL.row(AUDIT_LOGS.EVENT_TIME, AUDIT_LOGS.ID).lt(time, id));
            }
            return read.limit(limit + 1L).fetch(unit, Rows::auditEvent);
        });
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        AuditEvent last = rows.get(limit - 1);
        return new Page<>(rows.subList(0, limit), Optional.of(new AuditCursor(last.eventTime(), last.id()).encode()));
    }

    /** The query every page of the audit trail starts from: whole rows, newest first. */
    private static final RenderedReads.From PAGE =
            () -> DSL.selectFrom(AUDIT_LOGS).orderBy(AUDIT_LOGS.EVENT_TIME.desc(), AUDIT_LOGS.ID.desc());

    @Override
    public List<SuspiciousActivity> suspiciousActivity(Duration window, int threshold) {
        return suspicious(null, window, threshold);
    }

    @Override
    public List<SuspiciousActivity> suspiciousActivity(UUID organizationId, Duration window, int threshold) {
        if (organizationId == null) {
            throw new TenantContextException("audit().suspiciousActivity needs the organization id: it is null"
                    + " (the overload without it covers every organization)");
        }
        return suspicious(organizationId, window, threshold);
    }

    private List<SuspiciousActivity> suspicious(UUID organizationId, Duration window, int threshold) {
        if (window == null || window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw new InvalidInputException("window", "must be positive and at most 366 days");
        }
        if (threshold < 1) {
            throw new InvalidInputException("threshold", "must be at least 1");
        }
        DetectSuspiciousActivity found = Routines.detectSuspiciousActivity(
                DSL.val(organizationId, SQLDataType.UUID), DSL.val(YearToSecond.valueOf(window)), DSL.val(threshold));
        // one SELECT of one function
        return transactions.run(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT,
                dsl -> dsl.selectFrom(found).fetch(r -> new SuspiciousActivity(
                r.getActivity(), r.getOrgId(), r.getAuthenticatedUser(), r.getDatabaseUser(), r.getEventCount(),
                Rows.utc(r.getFirstSeen()), Rows.utc(r.getLastSeen()), r.getDetail())));
    }

    @Override
    public ArchiveResult archive(Duration olderThan, AuditSink sink) {
        int days = retentionDays(olderThan);
        if (sink == null) {
            throw new InvalidInputException("sink", "must not be null");
        }
        // not one statement: a cursor (which needs a transaction), then the deleting function
        return transactions.run(RequestClaims.service(), Transactions.Mode.TRANSACTION, dsl -> {
            // now() is the transaction's start, the same instant archive_old_audit_logs computes its
            // cutoff from: the rows streamed here are exactly the rows it may delete.
            Field<Integer> retention = DSL.val(days);
            Condition old = AUDIT_LOGS.EVENT_TIME.lt(DSL.field("now() - make_interval(days => {0})",
                    AUDIT_LOGS.EVENT_TIME.getDataType(), retention));
            long exported = 0;
            long throughId = 0;
            // fetchSize on a non-autocommit connection makes PgJDBC read through a server-side portal,
            // ARCHIVE_FETCH_SIZE rows at a time: memory stays constant however many rows are old.
            try (ResultSet rows = dsl.selectFrom(AUDIT_LOGS).where(old).orderBy(AUDIT_LOGS.ID)
                    .fetchSize(ARCHIVE_FETCH_SIZE).fetchResultSet()) {
                while (rows.next()) {
                    AuditEvent event = Rows.auditEvent(rows);
                    sink.accept(event);
                    exported++;
                    throughId = event.id();
                }
                sink.complete();
            } catch (IOException e) {
                throw new UncheckedIOException("the audit sink failed; nothing was deleted: " + e.getMessage(), e);
            } catch (SQLException e) {
                // as jOOQ reports a failure while it reads rows (see Rows.fetch), translated as any of jOOQ's
                throw new DataAccessException("reading the audit rows to archive failed", e);
            }
            long deleted = dsl.select(Routines.archiveOldAuditLogs(retention, DSL.val(throughId)))
                    .fetchSingle().value1();
            if (deleted > exported) {
                // a row committed meanwhile would go unexported: roll back rather than lose it
                throw new ConflictException("audit rows appeared while archiving (" + deleted + " to delete, "
                        + exported + " exported); nothing was deleted, retry");
            }
            return new ArchiveResult(exported, deleted, throughId);
        });
    }

    private static int retentionDays(Duration olderThan) {
        if (olderThan == null) {
            throw new InvalidInputException("olderThan", "must not be null");
        }
        if (olderThan.compareTo(Duration.ofDays(1)) < 0) {
            throw new InvalidInputException("olderThan", "must be at least one day");
        }
        if (!olderThan.equals(Duration.ofDays(olderThan.toDays()))) {
            throw new InvalidInputException("olderThan", "must be a whole number of days");
        }
        if (olderThan.toDays() > MAX_RETENTION_DAYS) {
            throw new InvalidInputException("olderThan", "must be at most " + MAX_RETENTION_DAYS + " days");
        }
        return (int) olderThan.toDays();
    }

}
