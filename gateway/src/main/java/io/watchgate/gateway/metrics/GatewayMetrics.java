package io.watchgate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.watchgate.core.SessionState;
import io.watchgate.core.SessionStatus;
import io.watchgate.gateway.hub.HubObserver;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SessionTransition;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's Micrometer meters, named {@code watchgate.*} (exported to Prometheus as {@code
 * watchgate_*}). Labels are bounded: session states, reconnect reasons and store operations are
 * fixed sets, upstreams come from the configuration; no meter is labelled by session key unless
 * per-session meters are asked for ({@code watchgate_session_*}, removed when the session ends).
 */
public final class GatewayMetrics implements HubObserver {

    /** Why a session opens a new upstream connection; anything else is counted as {@code other}. */
    static final Set<String> RECONNECT_REASONS = Set.of(
            "transport_error",
            "unexpected_eof",
            "heartbeat_starved",
            "server_error",
            "retry_after",
            "credentials_unavailable",
            "unauthorized",
            "server_closing",
            "reconnect_requested",
            "cursor_moved");

    private static final Set<String> STORE_OPERATIONS = Set.of("journal_append", "journal_read", "cursor_commit");

    private final MeterRegistry registry;
    private final LongAdder delivered = new LongAdder();
    private final Counter lagged;
    private final Counter gaps;
    private final Counter resets;
    private final Timer journalAppend;
    private final Timer cursorCommit;
    private final Map<String, Counter> received = new ConcurrentHashMap<>();
    private final Map<String, Counter> bytes = new ConcurrentHashMap<>();
    private final Map<String, Counter> reconnects = new ConcurrentHashMap<>();
    private final Map<String, Counter> storeErrors = new ConcurrentHashMap<>();
    private final boolean sessionLabels;
    private final Map<HubSession, List<Meter>> sessionMeters = new ConcurrentHashMap<>();

    /** Registers the meters that do not need the hub, without per-session meters. */
    public GatewayMetrics(MeterRegistry registry) {
        this(registry, false);
    }

    /**
     * Registers the meters that do not need the hub.
     *
     * @param sessionLabels whether each session also gets meters labelled with its key
     */
    public GatewayMetrics(MeterRegistry registry, boolean sessionLabels) {
        this.registry = registry;
        this.sessionLabels = sessionLabels;
        FunctionCounter.builder("watchgate.notifications.delivered", delivered, LongAdder::sum)
                .description("Notifications handed to subscribers' connections")
                .register(registry);
        this.lagged = Counter.builder("watchgate.lagged.disconnects")
                .description("Subscribers cut off because they fell behind their queue")
                .register(registry);
        this.gaps = Counter.builder("watchgate.upstream.gaps")
                .description("Forward jumps in upstream sequences")
                .register(registry);
        this.resets = Counter.builder("watchgate.upstream.resets")
                .description("Upstream sequence resets (a new epoch)")
                .register(registry);
        this.journalAppend = latency("watchgate.journal.append", "Time to journal one batch", registry);
        this.cursorCommit = latency("watchgate.cursor.commit", "Time to commit one upstream cursor", registry);
        for (String operation : STORE_OPERATIONS) {
            storeErrors(operation);
        }
    }

    private static Timer latency(String name, String description, MeterRegistry registry) {
        return Timer.builder(name)
                .description(description)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Registers the gauges that read the hub: sessions by state, subscribers. */
    public void bind(SessionHub hub) {
        for (SessionState state : SessionState.values()) {
            Gauge.builder("watchgate.sessions", hub, h -> count(h, state))
                    .description("Sessions by state")
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        Gauge.builder("watchgate.subscribers", hub, GatewayMetrics::subscribers)
                .description("Connected subscribers")
                .register(registry);
    }

    /** Declares the per-upstream meters up front, so that they read 0 before anything happens. */
    public void upstreams(Iterable<String> names) {
        for (String name : names) {
            received(name);
            bytes(name);
        }
    }

    private static double count(SessionHub hub, SessionState state) {
        return hub.sessions().stream()
                .filter(session -> session.state() == state)
                .count();
    }

    private static double subscribers(SessionHub hub) {
        long count = 0;
        for (HubSession session : hub.sessions()) {
            count += session.subscribers().size();
        }
        return count;
    }

    @Override
    public void sessionStarted(HubSession session) {
        if (!sessionLabels) {
            return;
        }
        Tags tags = Tags.of("session", session.key(), "upstream", session.spec().upstream());
        sessionMeters.put(
                session,
                List.of(
                        Gauge.builder(
                                        "watchgate.session.subscribers",
                                        session,
                                        s -> s.subscribers().size())
                                .description("Connected subscribers of one session")
                                .tags(tags)
                                .register(registry),
                        FunctionCounter.builder("watchgate.session.notifications", session, HubSession::journaledCount)
                                .description("Notifications one session journaled on this node")
                                .tags(tags)
                                .register(registry)));
    }

    @Override
    public void sessionEnded(HubSession session) {
        List<Meter> meters = sessionMeters.remove(session);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    @Override
    public void journaled(String upstream, int notifications, long nanos) {
        journalAppend.record(nanos, TimeUnit.NANOSECONDS);
        received(upstream).increment(notifications);
    }

    @Override
    public void storeFailed(String operation, Throwable error) {
        storeErrors(STORE_OPERATIONS.contains(operation) ? operation : "other").increment();
    }

    @Override
    public void cursorCommitted(long nanos) {
        cursorCommit.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void upstreamBytes(String upstream, long count) {
        bytes(upstream).increment(count);
    }

    @Override
    public void delivered() {
        delivered.increment();
    }

    @Override
    public void lagged() {
        lagged.increment();
    }

    @Override
    public void transition(SessionTransition transition) {
        SessionStatus status = transition.status();
        switch (status.reason()) {
            case "gap" -> gaps.increment();
            case "upstream_reset" -> resets.increment();
            default -> {}
        }
        String reason = reconnectReason(status);
        if (reason != null) {
            reconnects(RECONNECT_REASONS.contains(reason) ? reason : "other").increment();
        }
    }

    /**
     * Why this transition leads to a new connection: the cause of a backoff or of a credential
     * refresh, or an immediate reconnection's reason; {@code null} when it leads to none.
     */
    static @Nullable String reconnectReason(SessionStatus status) {
        return switch (status.state()) {
            case BACKING_OFF, REFRESHING_AUTH -> status.reason();
            case CONNECTING ->
                switch (status.reason()) {
                    case "server_closing", "reconnect_requested", "cursor_moved" -> status.reason();
                    default -> null;
                };
            default -> null;
        };
    }

    private Counter received(String upstream) {
        return counter(
                received,
                "watchgate.notifications.received",
                "Notifications received and journaled",
                null,
                "upstream",
                upstream);
    }

    private Counter bytes(String upstream) {
        return counter(
                bytes,
                "watchgate.upstream.received",
                "Bytes read from upstream connections",
                "bytes",
                "upstream",
                upstream);
    }

    private Counter reconnects(String reason) {
        return counter(
                reconnects,
                "watchgate.reconnects",
                "New upstream connections after the first, by reason",
                null,
                "reason",
                reason);
    }

    private Counter storeErrors(String operation) {
        return counter(
                storeErrors,
                "watchgate.store.errors",
                "Store operations that failed (retried or not)",
                null,
                "operation",
                operation);
    }

    /** The counter of one label value, registered the first time it is needed. */
    private Counter counter(
            Map<String, Counter> byValue,
            String name,
            String description,
            @Nullable String baseUnit,
            String label,
            String value) {
        return byValue.computeIfAbsent(
                value,
                v -> Counter.builder(name)
                        .description(description)
                        .baseUnit(baseUnit)
                        .tag(label, v)
                        .register(registry));
    }
}
