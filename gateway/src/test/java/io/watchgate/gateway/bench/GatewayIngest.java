package io.watchgate.gateway.bench;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.gateway.hub.HubSession;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.hub.SubscriberQueue;
import io.watchgate.gateway.testing.GatewayInstance;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.StoreUrl;
import io.watchgate.store.testing.TestDatabase;
import io.watchgate.store.testing.TestPostgres;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * How many notifications per second one upstream session carries through the whole gateway: the
 * aviso test upstream replays {@code count} stored {@code mars} notifications (CloudEvents of about
 * 300 bytes) to the gateway's session, which decodes them, journals them in its store and fans
 * them out to one subscriber of {@code GET /watch/bench?event_type=mars&from_id=1} over real HTTP.
 *
 * <p>Each round (the warm-up rounds, then the measured ones) starts the gateway in this JVM on a fresh
 * store: a new database {@code watchgate_bench_<pid>_<round>} on the tests' PostgreSQL server
 * ({@link TestPostgres}: {@code WATCHGATE_TEST_PG_URL}, else {@code 127.0.0.1:5432}), dropped
 * afterwards, or a new H2 file in a temporary directory, deleted afterwards. The journal is empty,
 * so the session starts at the upstream's sequence 1. The round measures the time from the
 * subscriber's request to the {@code count}-th notification it receives. To say what bounds it,
 * the round also reports when the session had journaled them all and the most notifications
 * waiting in the subscriber's queue (both sampled every {@value #SAMPLE_MILLIS} ms), how many
 * journal appends it took and how long they lasted (the gateway's {@code watchgate.journal.append}
 * timer; appends run one at a time), and the CPU, JIT and GC time of the JVM meanwhile (the test
 * upstream and the subscriber run in it too). The subscriber is kept cheap: it runs on an event
 * loop of its own and only counts complete SSE events that carry an {@code id:} line, without
 * decoding their JSON.
 *
 * <p>The session journals as fast as its store allows and does not wait for its subscribers: one
 * that falls behind by more than {@code watchgate.fanout.subscriber-queue} is cut off ({@code
 * lagged}). So that the round measures how fast the subscriber is served rather than ending early,
 * the queue holds a whole round unless that property is given.
 *
 * <p>The JIT compiles the path through the first rounds (seconds of compiler time each): the
 * warm-up rounds, {@value #WARMUP_ROUNDS_PROPERTY} (default {@value #DEFAULT_WARMUP_ROUNDS}), are
 * printed but left out of the median, which is then the rate of a session in a warm gateway.
 *
 * <p>Run by {@code src/bench/ingest.sh}; prints two lines per round and the median. Arguments:
 * notifications per round (default 200000), measured rounds (default 5), the store's dialect
 * ({@code postgresql}, the default, or {@code h2}); any {@code --key=value} argument is passed on to
 * the gateway (say {@code --watchgate.fanout.journal-batch=512}).
 */
public final class GatewayIngest {

    /** The target for one session, in notifications per second. */
    private static final double TARGET = 50_000;

    private static final String UPSTREAM = "bench";
    private static final String WATCH = "/watch/" + UPSTREAM + "?event_type=mars&from_id=1";
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(5);
    private static final String SUBSCRIBER_QUEUE = "watchgate.fanout.subscriber-queue";
    private static final int SAMPLE_MILLIS = 10;
    private static final String APPEND_TIMER = "watchgate.journal.append";
    private static final String WARMUP_ROUNDS_PROPERTY = "watchgate.bench.warmup-rounds";
    private static final int DEFAULT_WARMUP_ROUNDS = 2;

    private GatewayIngest() {}

    /** Arguments: notifications per round, rounds, dialect, then {@code --key=value} gateway properties. */
    public static void main(String[] args) {
        List<String> positional = new ArrayList<>();
        Map<String, String> gatewayProperties = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                gatewayProperties.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            } else {
                positional.add(arg);
            }
        }
        int count = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 200_000;
        int rounds = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 5;
        Dialect dialect = positional.size() > 2
                ? Dialect.valueOf(positional.get(2).toUpperCase(Locale.ROOT))
                : Dialect.POSTGRESQL;
        gatewayProperties.putIfAbsent(SUBSCRIBER_QUEUE, Integer.toString(count));
        int warmups =
                Integer.parseInt(System.getProperty(WARMUP_ROUNDS_PROPERTY, Integer.toString(DEFAULT_WARMUP_ROUNDS)));
        if (rounds < 1 || warmups < 0) {
            throw new IllegalArgumentException(
                    "rounds must be >= 1 and " + WARMUP_ROUNDS_PROPERTY + " >= 0: " + rounds + ", " + warmups);
        }

        LoopResources subscriberLoop = LoopResources.create("bench-subscriber", 1, true);
        HttpClient subscriber = HttpClient.create(ConnectionProvider.newConnection())
                .runOn(subscriberLoop)
                .headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "text/event-stream"));
        try (AvisoTestServer upstream = AvisoTestServer.start()) {
            for (int i = 0; i < count; i++) {
                upstream.publish(
                        "mars", Map.of("class", "od", "date", "20260101", "time", "1200", "step", i), "payload-" + i);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%,d notifications per round through the gateway on %s (a fresh store each round),"
                            + " 1 subscriber, gateway properties %s; %d processors; %d warm-up rounds%n",
                    count,
                    dialect.name().toLowerCase(Locale.ROOT),
                    gatewayProperties,
                    Runtime.getRuntime().availableProcessors(),
                    warmups);
            double[] rates = new double[rounds];
            for (int round = 0; round < warmups + rounds; round++) {
                Measurement measured;
                try (BenchStore store = BenchStore.create(dialect, round);
                        GatewayInstance gateway =
                                GatewayInstance.start(properties(upstream, store, gatewayProperties))) {
                    measured = receive(subscriber, gateway, count);
                }
                if (round >= warmups) {
                    rates[round - warmups] = measured.rate();
                }
                System.out.print(measured.describe(
                        round < warmups ? "warm-up " + (round + 1) : "round " + (round - warmups + 1)));
            }
            Arrays.sort(rates);
            double median = rates[rounds / 2];
            System.out.printf(
                    Locale.ROOT,
                    "median: %,.0f notifications/s ingested, journaled and fanned out by one session (target %,.0f: %s)%n",
                    median,
                    TARGET,
                    median >= TARGET ? "met" : "missed");
        } finally {
            subscriberLoop.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    /** The gateway's configuration: the upstream {@code bench}, the store, quiet logs, then {@code extra}. */
    private static Map<String, String> properties(
            AvisoTestServer upstream, BenchStore store, Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("logging.level.root", "WARN");
        properties.put("logging.level.org.flywaydb", "ERROR"); // H2 is newer than Flyway has verified
        properties.put("watchgate.upstreams." + UPSTREAM + ".protocol", "aviso");
        properties.put(
                "watchgate.upstreams." + UPSTREAM + ".url", upstream.baseUri().toString());
        properties.put("watchgate.store.url", store.url());
        properties.putAll(extra);
        return properties;
    }

    /**
     * Subscribes and counts notifications until the {@code count}-th one has arrived; meanwhile
     * samples when the session had journaled {@code count} and how full the subscriber's queue got.
     */
    private static Measurement receive(HttpClient client, GatewayInstance gateway, int count) {
        EventCounter counter = new EventCounter();
        SessionHub hub = gateway.bean(SessionHub.class);
        AtomicLong journaledAt = new AtomicLong();
        AtomicLong peakQueue = new AtomicLong();
        JvmTimes jvmBefore = JvmTimes.now();
        long start = System.nanoTime();
        Disposable sampler = Flux.interval(Duration.ofMillis(SAMPLE_MILLIS)).subscribe(tick -> {
            for (HubSession session : hub.sessions()) {
                if (session.journaledCount() >= count) {
                    journaledAt.compareAndSet(0, System.nanoTime());
                }
                for (SubscriberQueue queue : session.subscribers()) {
                    peakQueue.accumulateAndGet(queue.depth(), Math::max);
                }
            }
        });
        Long end;
        try {
            end = client.get()
                    .uri(gateway.uri(WATCH).toString())
                    .response((response, body) -> response.status().code() == 200
                            ? body
                            : Flux.<ByteBuf>error(
                                    new IllegalStateException("GET " + WATCH + " answered " + response.status())))
                    .<Long>handle((buffer, sink) -> {
                        counter.add(buffer);
                        if (counter.events() >= count) {
                            sink.next(System.nanoTime());
                            sink.complete(); // cancels the stream: the connection is closed
                        }
                    })
                    .next()
                    .block(ROUND_TIMEOUT);
        } finally {
            sampler.dispose();
        }
        if (end == null) {
            throw new IllegalStateException("the stream ended after " + counter.events() + " of " + count
                    + " notifications; its last named event: " + counter.lastNamedEvent()
                    + " (a subscriber that falls behind by more than " + SUBSCRIBER_QUEUE + " is cut off: lagged)");
        }
        JvmTimes jvm = JvmTimes.now().minus(jvmBefore);
        long journaled = journaledAt.get() == 0 ? end : journaledAt.get();
        Timer appends = gateway.bean(MeterRegistry.class).find(APPEND_TIMER).timer();
        return new Measurement(
                count,
                counter.bytes(),
                (end - start) / 1e9,
                (journaled - start) / 1e9,
                peakQueue.get(),
                appends == null ? 0 : appends.count(),
                appends == null ? 0 : appends.totalTime(TimeUnit.SECONDS),
                jvm);
    }

    /**
     * What one round measured.
     *
     * @param notifications the notifications received
     * @param bytes the bytes of SSE stream received
     * @param seconds from the request to the last notification
     * @param journaledSeconds from the request to the session having journaled them all (to the
     *     sampling's resolution)
     * @param peakQueue the most notifications seen waiting in the subscriber's queue (sampled)
     * @param appends the journal appends (batches) of the round
     * @param appendSeconds the time they took, added up (appends run one at a time)
     * @param jvm the CPU, JIT and GC time the JVM spent meanwhile (all of it: gateway, test
     *     upstream, subscriber)
     */
    private record Measurement(
            long notifications,
            long bytes,
            double seconds,
            double journaledSeconds,
            long peakQueue,
            long appends,
            double appendSeconds,
            JvmTimes jvm) {

        double rate() {
            return notifications / seconds;
        }

        String describe(String label) {
            return String.format(
                    Locale.ROOT,
                    "%s: %,d notifications in %.2f s = %,.0f notifications/s (%.1f MB/s of SSE stream)%n"
                            + "    journaled in %.2f s by %,d appends (%.0f notifications, %.1f ms each; appending %.0f%%"
                            + " of the time); subscriber queue peaked at %,d; JVM CPU %.2f cores (JIT %.1f s,"
                            + " GC %.1f s)%n",
                    label,
                    notifications,
                    seconds,
                    rate(),
                    bytes / seconds / 1e6,
                    journaledSeconds,
                    appends,
                    appends == 0 ? 0.0 : (double) notifications / appends,
                    appends == 0 ? 0.0 : appendSeconds * 1e3 / appends,
                    100 * appendSeconds / journaledSeconds,
                    peakQueue,
                    jvm.cpuSeconds() / seconds,
                    jvm.jitSeconds(),
                    jvm.gcSeconds());
        }
    }

    /**
     * The JVM's CPU time (every thread), its JIT compilers' time and its collectors' time.
     *
     * @param cpuSeconds CPU time of the process
     * @param jitSeconds time spent compiling
     * @param gcSeconds time spent collecting
     */
    private record JvmTimes(double cpuSeconds, double jitSeconds, double gcSeconds) {

        static JvmTimes now() {
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long gcMillis = ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                    .sum();
            return new JvmTimes(
                    os.getProcessCpuTime() / 1e9,
                    ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1e3,
                    gcMillis / 1e3);
        }

        JvmTimes minus(JvmTimes earlier) {
            return new JvmTimes(
                    cpuSeconds - earlier.cpuSeconds, jitSeconds - earlier.jitSeconds, gcSeconds - earlier.gcSeconds);
        }
    }

    /**
     * Counts the complete SSE events that carry an {@code id:} line (the gateway's notifications;
     * its named events and comments have none), byte by byte across buffer boundaries, and keeps the
     * name of the last named event ({@code event:} line: {@code status}, {@code lagged}, ...). The
     * gateway ends lines with {@code \n}.
     */
    private static final class EventCounter {

        private static final byte[] ID = "id:".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);

        private long events;
        private long bytes;
        private boolean lineStart = true;
        /** The field name the current line may start with: {@code ID}, {@code EVENT} or none. */
        private byte @Nullable [] field;
        /** Bytes of {@link #field} matched at the start of the current line. */
        private int matched;

        private boolean eventHasId;
        private final StringBuilder eventName = new StringBuilder();
        private String lastNamedEvent = "none";

        /** A copy of the buffer being counted: scanning an array is cheaper than a direct buffer. */
        private byte[] scratch = new byte[64 * 1024];

        void add(ByteBuf buffer) {
            int length = buffer.readableBytes();
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, 2 * scratch.length)];
            }
            buffer.getBytes(buffer.readerIndex(), scratch, 0, length);
            bytes += length;
            for (int i = 0; i < length; i++) {
                process(scratch[i]);
            }
        }

        private void process(byte value) {
            if (value == '\n') {
                endLine();
                return;
            }
            if (lineStart) {
                lineStart = false;
                field = value == ID[0] ? ID : value == EVENT[0] ? EVENT : null;
                matched = 0;
            }
            if (field == null) {
                return;
            }
            if (matched < field.length) {
                if (value != field[matched]) {
                    field = null;
                } else if (++matched == field.length && field == ID) {
                    eventHasId = true;
                }
            } else if (field == EVENT) {
                eventName.append((char) value); // named events are rare and short
            }
        }

        private void endLine() {
            if (lineStart && eventHasId) { // a blank line ends the event
                events++;
                eventHasId = false;
            }
            if (field == EVENT && matched == EVENT.length) {
                lastNamedEvent = eventName.toString().strip();
                eventName.setLength(0);
            }
            lineStart = true;
            field = null;
        }

        long events() {
            return events;
        }

        long bytes() {
            return bytes;
        }

        String lastNamedEvent() {
            return lastNamedEvent;
        }
    }

    /**
     * A fresh, empty store for one round; closing it removes it.
     *
     * @param url the store URL the gateway is given
     * @param remove drops the database or deletes the file
     */
    private record BenchStore(String url, Runnable remove) implements AutoCloseable {

        static BenchStore create(Dialect dialect, int round) {
            return switch (dialect) {
                case POSTGRESQL ->
                    postgres("watchgate_bench_" + ProcessHandle.current().pid() + "_" + round);
                case H2 -> {
                    TestDatabase file = TestDatabase.create(GatewayIngest.class, Dialect.H2);
                    yield new BenchStore(file.url(), file::close);
                }
            };
        }

        /** A new database on the tests' PostgreSQL server, dropped on close. */
        private static BenchStore postgres(String name) {
            String serverUrl = TestPostgres.url();
            String url = serverUrl.replaceFirst("^(r2dbc:postgresql://[^/?]+/)[^?]*", "$1" + name);
            if (url.equals(serverUrl)) {
                throw new IllegalArgumentException("cannot name another database in " + StoreUrl.redact(serverUrl)
                        + " (" + TestPostgres.URL_VARIABLE + "=r2dbc:postgresql://user@host:5432/postgres)");
            }
            StoreUrl server = StoreUrl.parse(serverUrl);
            execute(server, "CREATE DATABASE " + name);
            return new BenchStore(url, () -> execute(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
        }

        private static void execute(StoreUrl server, String sql) {
            try (Connection connection =
                            DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
                    Statement statement = connection.createStatement()) {
                statement.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException("PostgreSQL at " + server + " refused: " + sql, e);
            }
        }

        @Override
        public void close() {
            remove.run();
        }
    }
}
