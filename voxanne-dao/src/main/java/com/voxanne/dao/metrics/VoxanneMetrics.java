package com.voxanne.dao.metrics;

import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.WebhookOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The DAO's meters in a Micrometer {@link MeterRegistry}:
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #OPERATION}</td><td>timer</td><td>{@code repository}, {@code operation},
 *       {@code outcome} ({@code ok}, {@code not_found}, {@code conflict}, {@code invalid_input},
 *       {@code access_denied}, {@code failure}), {@code sqlstate.class} (a failure's SQLSTATE class,
 *       else {@code none})</td></tr>
 *   <tr><td>{@value #UNIT}</td><td>timer</td><td>{@code mode} ({@code transaction},
 *       {@code single_statement}), {@code role} ({@code authenticated}, {@code service_role}),
 *       {@code outcome} ({@code committed}, {@code rolled_back})</td></tr>
 *   <tr><td>{@value #WEBHOOK}</td><td>counter</td><td>{@code outcome} ({@code processed},
 *       {@code duplicate}, {@code failed})</td></tr>
 *   <tr><td>{@value #SUBSCRIPTIONS}</td><td>gauge</td><td>none: the subscriptions open now</td></tr>
 *   <tr><td>{@value #EVENTS}</td><td>counter</td><td>none: events handed to listeners</td></tr>
 * </table>
 * Every tag value is bounded (repository and method names, outcomes, SQLSTATE classes): no organization,
 * user or patient value ever becomes a tag. Use it with
 * {@code Voxanne.builder(pool).observer(VoxanneMetrics.of(registry)).build()}. Thread-safe; one instance
 * per {@code Voxanne} (two on one registry share their meters, and the gauge counts the first one's).
 */
public final class VoxanneMetrics implements VoxanneObserver {

    /** Repository calls. */
    public static final String OPERATION = "voxanne.operation";
    /** Units of work. */
    public static final String UNIT = "voxanne.unit";
    /** Webhook intakes. */
    public static final String WEBHOOK = "voxanne.webhook";
    /** Notification subscriptions open. */
    public static final String SUBSCRIPTIONS = "voxanne.notification.subscriptions";
    /** Notification events delivered to listeners. */
    public static final String EVENTS = "voxanne.notification.events";

    private static final String NO_FAILURE = "none";

    private final MeterRegistry registry;
    private final Tags commonTags;
    /** Each operation's timers; registering a meter is far dearer than a lookup, so each is built once. */
    private final Map<Operation, OperationTimers> operations = new ConcurrentHashMap<>();
    private final Map<UnitKind, Timer> committedUnits = new EnumMap<>(UnitKind.class);
    private final Map<UnitKind, Timer> rolledBackUnits = new EnumMap<>(UnitKind.class);
    private final Counter processed;
    private final Counter duplicates;
    private final Counter failedWebhooks;
    private final Counter delivered;
    private final AtomicInteger subscriptions = new AtomicInteger();

    private VoxanneMetrics(MeterRegistry registry, Tags commonTags) {
        this.registry = registry;
        this.commonTags = commonTags;
        for (UnitKind kind : UnitKind.values()) {
            committedUnits.put(kind, unitTimer(kind, "committed"));
            rolledBackUnits.put(kind, unitTimer(kind, "rolled_back"));
        }
        this.processed = webhookCounter("processed");
        this.duplicates = webhookCounter("duplicate");
        this.failedWebhooks = webhookCounter("failed");
        this.delivered = Counter.builder(EVENTS)
                .description("Notification events handed to subscribers' listeners")
                .tags(commonTags)
                .register(registry);
        Gauge.builder(SUBSCRIPTIONS, subscriptions, AtomicInteger::get)
                .description("Notification subscriptions open, each holding one pooled connection")
                .tags(commonTags)
                .strongReference(true)
                .register(registry);
    }

    /** The DAO's meters in {@code registry}. */
    public static VoxanneMetrics of(MeterRegistry registry) {
        return of(registry, Tags.empty());
    }

    /** The DAO's meters in {@code registry}, each with {@code commonTags} as well (say, which database). */
    public static VoxanneMetrics of(MeterRegistry registry, Iterable<Tag> commonTags) {
        return new VoxanneMetrics(Objects.requireNonNull(registry, "registry"),
                Tags.of(Objects.requireNonNull(commonTags, "commonTags")));
    }

    @Override
    public void operationEnded(Operation operation, long nanos, Outcome outcome, String sqlStateClass) {
        operations.computeIfAbsent(operation, OperationTimers::new)
                .timer(outcome, sqlStateClass)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void unitEnded(UnitKind kind, long nanos, boolean committed) {
        (committed ? committedUnits : rolledBackUnits).get(kind).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void webhookEnded(WebhookOutcome outcome) {
        if (outcome == WebhookOutcome.PROCESSED) {
            processed.increment();
        } else if (outcome == WebhookOutcome.DUPLICATE) {
            duplicates.increment();
        } else {
            failedWebhooks.increment();
        }
    }

    @Override
    public void subscriptionOpened() {
        subscriptions.incrementAndGet();
    }

    @Override
    public void subscriptionClosed() {
        subscriptions.decrementAndGet();
    }

    @Override
    public void notificationDelivered() {
        delivered.increment();
    }

    @Override
    public String toString() {
        return "VoxanneMetrics" + commonTags;
    }

    private Timer unitTimer(UnitKind kind, String outcome) {
        return Timer.builder(UNIT)
                .description("Units of work of the Voxanne DAO, from taking a pooled connection to giving it back")
                .tags(commonTags)
                .tag("mode", kind.mode())
                .tag("role", kind.role())
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter webhookCounter(String outcome) {
        return Counter.builder(WEBHOOK)
                .description("Webhook intakes: processed once, refused as a duplicate, or failed and rolled back")
                .tags(commonTags)
                .tag("outcome", outcome)
                .register(registry);
    }

    /** One operation's timers: one per outcome, and per SQLSTATE class for failures. */
    private final class OperationTimers {
        private final Operation operation;
        private final Map<Outcome, Timer> byOutcome = new ConcurrentHashMap<>();
        private final Map<String, Timer> failuresByClass = new ConcurrentHashMap<>();

        OperationTimers(Operation operation) {
            this.operation = operation;
        }

        Timer timer(Outcome outcome, String sqlStateClass) {
            if (outcome == Outcome.FAILURE) {
                return failuresByClass.computeIfAbsent(sqlStateClass == null ? NO_FAILURE : sqlStateClass,
                        failureClass -> register(outcome, failureClass));
            }
            return byOutcome.computeIfAbsent(outcome, other -> register(other, NO_FAILURE));
        }

        private Timer register(Outcome outcome, String sqlStateClass) {
            return Timer.builder(OPERATION)
                    .description("Calls of the Voxanne DAO's repositories, their unit of work included when they ran"
                            + " as one of their own")
                    .tags(commonTags)
                    .tag("repository", operation.repository())
                    .tag("operation", operation.method())
                    .tag("outcome", outcome.tag())
                    .tag("sqlstate.class", sqlStateClass)
                    .register(registry);
        }
    }
}
