package io.watchgate.store.bench;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.core.cursor.CursorStore;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.journal.AppendResult;
import io.watchgate.store.journal.Journal;
import io.watchgate.store.journal.JournalBounds;
import io.watchgate.store.journal.JournalEntry;
import io.watchgate.store.journal.JournalRecord;
import io.watchgate.store.journal.JournalRetention;
import io.watchgate.store.journal.JournalStart;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.PoolSettings;
import io.watchgate.store.sql.StoreUrl;
import io.watchgate.store.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Throughput of the store on PostgreSQL and on an H2 file. For each dialect it opens a store on a
 * fresh database (default settings: a pool of 10, a journal page of 256) and measures, for the
 * given number of seconds each:
 *
 * <ol>
 *   <li><b>journal appends</b>: 8 sessions append concurrently, each one batch of 100 aviso
 *       {@code mars} notifications at a time ({@code store.journal(key).append(batch)}, a
 *       CloudEvent of about 430 bytes each, every sequence new). Reports rows appended per second
 *       over the phase and in its slowest 5 s window (sliding by 100 ms: the <em>sustained</em>
 *       rate), the latency of one batch (p50, p99, max) and the rows appended. A short warm-up
 *       (a sixth of the phase, 1 to 10 s) appends to the same journals first, unmeasured.
 *   <li><b>cursor commits</b>: 8 committers, each a loop of {@code store.cursors().commit(key,
 *       checkpoint)} on its own key with increasing sequences. Reports commits per second and their
 *       latency.
 *   <li><b>journal reads</b>: 8 readers, each reading one of the journals written above from the
 *       oldest entry ({@code read(JournalStart.after(0))}) over and over. Reports rows read per
 *       second.
 * </ol>
 *
 * <p>Every phase also checks what it measures and counts anomalies: an append that did not add
 * its whole batch, a commit refused as stale, a read whose offsets are not contiguous or that
 * ends before the journal's newest entry. Failed operations are counted and the loop goes on.
 * Retention is set to keep everything so that the reads see all that was appended. The JVM's
 * peak used heap (sampled every 50 ms) and how much the database grew on disk are reported too.
 *
 * <p>The output is a human-readable summary per dialect, then one line per figure ({@code RESULT
 * dialect=postgresql metric=append_rows_per_s value=...}) and a {@code TARGET} line: on PostgreSQL
 * the sustained append rate must reach 20,000 rows/s with no error or anomaly ({@code PASS} or
 * {@code FAIL}); H2 is only reported. The exit status is 1 when the PostgreSQL target fails, 2
 * when a dialect could not be measured at all.
 *
 * <p>PostgreSQL: a database {@code watchgate_bench_*} is created for the run and dropped
 * afterwards, on the server of {@code WATCHGATE_BENCH_PG_URL} (an R2DBC, JDBC or plain {@code
 * postgresql://} URL of a database the user may connect to and create databases from), else the
 * tests' server ({@link TestPostgres}: {@code WATCHGATE_TEST_PG_URL}, else {@code
 * 127.0.0.1:5432} as user {@code postgres}). H2: a file in a temporary directory, deleted
 * afterwards.
 *
 * <p>Run it with {@code src/bench/store-throughput.sh [seconds per phase] [dialects]} (defaults
 * 60 and {@code postgresql,h2}), which builds the store's test classes and runs this class.
 */
public final class StoreThroughput {

    /** Journals appended to concurrently (and read concurrently). */
    static final int SESSIONS = 8;

    /** Notifications per append. */
    static final int BATCH_SIZE = 100;

    /** Cursor keys committed to concurrently. */
    static final int COMMITTERS = 8;

    /** PostgreSQL's sustained append rate must reach this, in rows per second. */
    static final double APPEND_TARGET = 20_000;

    /** The window of the sustained rate. */
    static final Duration WINDOW = Duration.ofSeconds(5);

    /** The resolution of the rate timeline. */
    static final Duration BUCKET = Duration.ofMillis(100);

    /** Keeps every entry the bench writes. */
    static final JournalRetention KEEP_ALL = new JournalRetention(Duration.ofDays(1), Long.MAX_VALUE / 2, 5_000);

    private StoreThroughput() {}

    /** Arguments: seconds per phase (default 60), dialects (default {@code postgresql,h2}). */
    public static void main(String[] args) {
        Options options = Options.parse(args);
        boolean targetFailed = false;
        boolean crashed = false;
        try (HeapSampler heap = new HeapSampler()) {
            for (Dialect dialect : options.dialects()) {
                try {
                    DialectReport report = run(dialect, options, heap);
                    report.print();
                    targetFailed |= report.verdict() == Verdict.FAIL;
                } catch (RuntimeException e) {
                    System.out.printf("ERROR dialect=%s bench failed: %s%n", dialect.vendor(), e);
                    e.printStackTrace(System.out);
                    crashed = true;
                }
            }
        }
        System.out.flush();
        System.exit(crashed ? 2 : targetFailed ? 1 : 0);
    }

    private static DialectReport run(Dialect dialect, Options options, HeapSampler heap) {
        try (BenchDatabase database = BenchDatabase.create(dialect)) {
            System.out.printf(
                    Locale.ROOT,
                    "%n=== %s: %s, %d s per phase ===%n",
                    dialect.vendor(),
                    database.description(),
                    options.phase().toSeconds());
            heap.reset();
            long emptyBytes = database.sizeBytes();
            Measured measured;
            try (WatchgateStore store =
                    WatchgateStore.builder(database.url()).retention(KEEP_ALL).open()) {
                measured = measure(store, options);
            }
            return new DialectReport(
                    dialect,
                    options,
                    measured,
                    heap.figures(),
                    database.sizeBytes() - emptyBytes,
                    AvisoNotifications.sample());
        }
    }

    private static Measured measure(WatchgateStore store, Options options) {
        List<Journal> journals = IntStream.range(0, SESSIONS)
                .mapToObj(session -> store.journal("bench-journal-" + session))
                .toList();
        List<Feed> feeds = Stream.generate(Feed::new).limit(SESSIONS).toList();
        progress("warm-up: appending for %d ms", options.warmUp().toMillis());
        append(journals, feeds, options.warmUp());
        progress("journal appends: %d sessions, batches of %d", SESSIONS, BATCH_SIZE);
        PhaseFigures appends = append(journals, feeds, options.phase());
        progress("cursor commits: %d keys", COMMITTERS);
        PhaseFigures commits = commit(store.cursors(), options.phase());
        List<JournalBounds> bounds = Objects.requireNonNull(Flux.fromIterable(journals)
                .concatMap(Journal::bounds)
                .collectList()
                .block(Duration.ofMinutes(1)));
        progress("journal reads: %d readers", SESSIONS);
        PhaseFigures reads = read(journals, bounds, options.phase());
        long journaled = bounds.stream().mapToLong(JournalBounds::size).sum();
        return new Measured(appends, commits, reads, journaled);
    }

    /** Phase (a): each session appends one batch at a time until the time is up. */
    private static PhaseFigures append(List<Journal> journals, List<Feed> feeds, Duration length) {
        Tally tally = new Tally(length);
        loops(SESSIONS, tally, session -> {
            List<JournalRecord> batch = feeds.get(session).next(BATCH_SIZE);
            long started = System.nanoTime();
            return journals.get(session)
                    .append(batch)
                    .doOnNext(result -> appended(tally, started, batch, result))
                    .then();
        });
        return tally.figures();
    }

    private static void appended(Tally tally, long started, List<JournalRecord> batch, AppendResult result) {
        tally.done(started, result.appended().size());
        if (result.appended().size() != batch.size() || !result.cursorAdvanced()) {
            tally.anomaly(
                    "append of " + batch.size() + " added " + result.appended().size() + " (" + result.duplicates()
                            + " duplicates, cursor advanced: " + result.cursorAdvanced() + ")");
        }
    }

    /** Phase (b): each committer commits its own key's next sequence, one at a time. */
    private static PhaseFigures commit(CursorStore cursors, Duration length) {
        Tally tally = new Tally(length);
        AtomicLongArray sequences = new AtomicLongArray(COMMITTERS);
        loops(COMMITTERS, tally, committer -> {
            long sequence = sequences.incrementAndGet(committer);
            long started = System.nanoTime();
            return cursors.commit("bench-cursor-" + committer, Checkpoint.of("mars@" + sequence, sequence))
                    .doOnNext(stored -> {
                        tally.done(started, 1);
                        if (!stored) {
                            tally.anomaly("commit of sequence " + sequence + " refused as stale");
                        }
                    })
                    .then();
        });
        return tally.figures();
    }

    /** Phase (c): each reader reads one journal from its oldest entry to its newest, over and over. */
    private static PhaseFigures read(List<Journal> journals, List<JournalBounds> bounds, Duration length) {
        Tally tally = new Tally(length);
        loops(SESSIONS, tally, reader -> {
            ReadPass pass = new ReadPass(bounds.get(reader), tally);
            long started = System.nanoTime();
            return journals.get(reader)
                    .read(JournalStart.after(0))
                    .takeWhile(entry -> tally.running())
                    .doOnNext(pass::see)
                    .then(Mono.fromRunnable(() -> {
                        tally.done(started, pass.rows());
                        pass.finish();
                    }));
        });
        return tally.figures();
    }

    /**
     * Runs {@code workers} loops concurrently until the tally's time is up, each repeating its
     * step one at a time; a step that fails is counted and the loop goes on.
     */
    private static void loops(int workers, Tally tally, IntFunction<Mono<Void>> step) {
        Flux.range(0, workers)
                .flatMap(
                        worker -> Mono.defer(() -> step.apply(worker))
                                .onErrorResume(error -> {
                                    tally.failed(error);
                                    return Mono.empty();
                                })
                                .repeat(tally::running),
                        workers)
                .blockLast(tally.length().plus(Duration.ofMinutes(2)));
    }

    private static void progress(String format, Object... args) {
        System.out.printf(Locale.ROOT, "  .. " + format + "%n", args);
    }

    /** The command line. */
    record Options(Duration phase, List<Dialect> dialects) {

        static Options parse(String[] args) {
            long seconds = args.length > 0 ? Long.parseLong(args[0].strip()) : 60;
            if (seconds < 1) {
                throw new IllegalArgumentException("seconds per phase must be >= 1: " + seconds);
            }
            String names = args.length > 1 ? args[1] : "postgresql,h2";
            List<Dialect> dialects = Arrays.stream(names.split(","))
                    .map(String::strip)
                    .filter(name -> !name.isEmpty())
                    .map(Options::dialect)
                    .toList();
            return new Options(Duration.ofSeconds(seconds), dialects);
        }

        /** A sixth of the phase, 1 to 10 s. */
        Duration warmUp() {
            return Duration.ofMillis(Math.clamp(phase.toMillis() / 6, 1_000, 10_000));
        }

        private static Dialect dialect(String name) {
            return Arrays.stream(Dialect.values())
                    .filter(dialect -> dialect.vendor().equalsIgnoreCase(name))
                    .findFirst()
                    .orElseThrow(() ->
                            new IllegalArgumentException("unknown dialect '" + name + "' (expected postgresql or h2)"));
        }
    }

    /** One session's notifications: every batch continues its sequence. Used by one loop at a time. */
    static final class Feed {

        private final AtomicLong sequences = new AtomicLong();

        List<JournalRecord> next(int size) {
            Instant now = Instant.now();
            List<JournalRecord> batch = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                batch.add(JournalRecord.of(AvisoNotifications.mars(sequences.incrementAndGet(), now)));
            }
            return batch;
        }
    }

    /** Notifications as aviso sends them for an ENS {@code mars} event. */
    static final class AvisoNotifications {

        private AvisoNotifications() {}

        static Notification mars(long sequence, Instant time) {
            String cursor = "mars@" + sequence;
            String step = Long.toString(sequence % 240);
            String payload = "{\"location\":\"s3://ecmwf-od-enfo/20261122/0000/pf/" + step + "/" + sequence
                    + ".grib2\",\"size\":" + (41_000_000 + sequence % 997) + "}";
            String raw = "{\"specversion\":\"1.0\",\"id\":\"" + cursor + "\",\"source\":\"/host/aviso-bench\","
                    + "\"type\":\"aviso\",\"time\":\"" + time + "\",\"datacontenttype\":\"application/json\","
                    + "\"data\":{\"event\":\"mars\",\"request\":{\"class\":\"od\",\"stream\":\"enfo\","
                    + "\"expver\":\"0001\",\"domain\":\"g\",\"date\":\"20261122\",\"time\":\"0000\","
                    + "\"type\":\"pf\",\"levtype\":\"sfc\",\"number\":\"" + (1 + sequence % 50) + "\",\"step\":\""
                    + step + "\"},\"payload\":" + payload + "}}";
            return new Notification(
                    cursor,
                    OptionalLong.of(sequence),
                    "mars",
                    time,
                    Map.of("class", "od", "stream", "enfo", "step", step, "date", "20261122"),
                    payload,
                    raw);
        }

        /** A typical notification, to report its size. */
        static Notification sample() {
            return mars(123_456, Instant.now());
        }
    }

    /** Checks one read pass: contiguous offsets from the oldest entry to the newest. */
    static final class ReadPass {

        private final JournalBounds bounds;
        private final Tally tally;
        private long next;
        private long rows;

        ReadPass(JournalBounds bounds, Tally tally) {
            this.bounds = bounds;
            this.tally = tally;
            this.next = bounds.oldest();
        }

        void see(JournalEntry entry) {
            if (entry.offset() != next) {
                tally.anomaly("read offset " + entry.offset() + " where " + next + " was expected");
            }
            next = entry.offset() + 1;
            rows++;
        }

        long rows() {
            return rows;
        }

        /** A pass that ended while the time was not up must have reached the newest entry. */
        void finish() {
            if (tally.running() && next != bounds.newest() + 1) {
                tally.anomaly("read ended after offset " + (next - 1) + ", newest is " + bounds.newest());
            }
        }
    }

    /**
     * What a phase did: operations completed with their latency and the units (rows, commits) they
     * carried, on a timeline of {@link #BUCKET} slots; failures and anomalies.
     */
    static final class Tally {

        private static final int PROBLEMS_SHOWN = 5;

        private final Duration length;
        private final long start = System.nanoTime();
        private final long deadline;
        private final AtomicLongArray timeline;
        private final LongAdder operations = new LongAdder();
        private final LongAdder units = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private final LongAdder anomalies = new LongAdder();
        private final AtomicInteger problemsShown = new AtomicInteger();
        private final AtomicLong lastDone;
        private final Samples latencies = new Samples();

        Tally(Duration length) {
            this.length = length;
            this.deadline = start + length.toNanos();
            this.timeline = new AtomicLongArray(Math.toIntExact(length.toNanos() / BUCKET.toNanos()));
            this.lastDone = new AtomicLong(start);
        }

        Duration length() {
            return length;
        }

        /** Whether the phase's time is not up. */
        boolean running() {
            return System.nanoTime() - deadline < 0;
        }

        /** An operation started at {@code started} completed, carrying {@code count} units. */
        void done(long started, long count) {
            long now = System.nanoTime();
            latencies.add(now - started);
            operations.increment();
            units.add(count);
            lastDone.accumulateAndGet(now, Math::max);
            long slot = (now - start) / BUCKET.toNanos();
            if (slot < timeline.length()) {
                timeline.addAndGet((int) slot, count);
            }
        }

        void failed(Throwable error) {
            errors.increment();
            show("error: " + error);
        }

        void anomaly(String what) {
            anomalies.increment();
            show("anomaly: " + what);
        }

        private void show(String problem) {
            if (problemsShown.incrementAndGet() <= PROBLEMS_SHOWN) {
                System.out.println("  !! " + problem);
            }
        }

        PhaseFigures figures() {
            double seconds = Math.max(lastDone.get() - start, 1) / 1e9;
            return new PhaseFigures(
                    operations.sum(),
                    units.sum(),
                    units.sum() / seconds,
                    lowestWindowRate(),
                    latencies.summary(),
                    errors.sum(),
                    anomalies.sum());
        }

        /** The lowest rate over any {@link #WINDOW} of the phase (the whole phase when shorter). */
        private double lowestWindowRate() {
            int width = (int) Math.min(timeline.length(), WINDOW.toNanos() / BUCKET.toNanos());
            if (width == 0) {
                return 0;
            }
            long window = 0;
            for (int slot = 0; slot < width; slot++) {
                window += timeline.get(slot);
            }
            long lowest = window;
            for (int slot = width; slot < timeline.length(); slot++) {
                window += timeline.get(slot) - timeline.get(slot - width);
                lowest = Math.min(lowest, window);
            }
            return lowest / (width * BUCKET.toNanos() / 1e9);
        }
    }

    /** Latency samples in nanoseconds, from any thread. */
    static final class Samples {

        private long[] values = new long[4_096];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized Latency summary() {
            if (size == 0) {
                return new Latency(0, 0, 0);
            }
            long[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return new Latency(millis(sorted, 0.50), millis(sorted, 0.99), sorted[size - 1] / 1e6);
        }

        /** The nearest-rank percentile, in milliseconds. */
        private static double millis(long[] sorted, double fraction) {
            int rank = (int) Math.ceil(fraction * sorted.length);
            return sorted[Math.max(rank - 1, 0)] / 1e6;
        }
    }

    /** Latency percentiles of a phase's operations, in milliseconds. */
    record Latency(double p50, double p99, double max) {}

    /**
     * What a phase measured.
     *
     * @param operations appends, commits or read passes completed
     * @param units rows or commits they carried
     * @param rate units per second, from the start to the last completion
     * @param sustained units per second in the slowest {@link #WINDOW}
     * @param latency the operations' latency
     * @param errors operations that failed
     * @param anomalies results that were not what the phase expects
     */
    record PhaseFigures(
            long operations, long units, double rate, double sustained, Latency latency, long errors, long anomalies) {}

    /** What the three phases measured on one store, and how many rows the journals held. */
    record Measured(PhaseFigures appends, PhaseFigures commits, PhaseFigures reads, long journaledRows) {

        long problems() {
            return Stream.of(appends, commits, reads)
                    .mapToLong(phase -> phase.errors() + phase.anomalies())
                    .sum();
        }
    }

    /** How one dialect did against the target. */
    enum Verdict {
        PASS,
        FAIL,
        REPORT
    }

    /**
     * One dialect's figures, printed for people and for scripts.
     *
     * @param dialect the dialect
     * @param options the command line
     * @param measured the phases' figures
     * @param heap the heap during the run
     * @param databaseBytes how much the database grew on disk during the run
     * @param sample a notification like those appended, to tell their size
     */
    record DialectReport(
            Dialect dialect,
            Options options,
            Measured measured,
            HeapFigures heap,
            long databaseBytes,
            Notification sample) {

        /** PostgreSQL passes when the sustained append rate reaches the target with no problems. */
        Verdict verdict() {
            if (dialect != Dialect.POSTGRESQL) {
                return Verdict.REPORT;
            }
            boolean reached = measured.appends().sustained() >= APPEND_TARGET;
            return reached && measured.problems() == 0 ? Verdict.PASS : Verdict.FAIL;
        }

        void print() {
            printSummary();
            printResults();
        }

        private void printSummary() {
            PhaseFigures appends = measured.appends();
            PhaseFigures commits = measured.commits();
            PhaseFigures reads = measured.reads();
            String payload = sample.payload();
            line(
                    "notifications   aviso mars: CloudEvent %d bytes, payload %d bytes; pool %d connections",
                    sample.raw().length(), payload == null ? 0 : payload.length(), PoolSettings.DEFAULT.maxSize());
            line(
                    "journal append  %d sessions x batches of %d (after a %.1f s warm-up)",
                    SESSIONS, BATCH_SIZE, options.warmUp().toMillis() / 1e3);
            line(
                    "  rows/s        %,.0f overall, %,.0f sustained (slowest %d s window)",
                    appends.rate(),
                    appends.sustained(),
                    Math.min(WINDOW.toSeconds(), options.phase().toSeconds()));
            line("  batch         p50 %.1f ms, p99 %.1f ms, max %.1f ms", appends.latency());
            line(
                    "  total         %,d rows in %,d batches; %s",
                    appends.units(), appends.operations(), problems(appends));
            line("cursor commits  %d keys, increasing sequences", COMMITTERS);
            line("  commits/s     %,.0f", commits.rate());
            line("  commit        p50 %.1f ms, p99 %.1f ms, max %.1f ms", commits.latency());
            line("  total         %,d commits; %s", commits.units(), problems(commits));
            line("journal reads   %d readers, each its journal from the oldest entry, repeatedly", SESSIONS);
            line("  rows/s        %,.0f", reads.rate());
            line("  total         %,d rows in %,d passes; %s", reads.units(), reads.operations(), problems(reads));
            line(
                    "heap            peak used %,d MB, peak after GC %,d MB, max %,d MB",
                    heap.peakUsed() >> 20, heap.peakAfterGc() >> 20, heap.max() >> 20);
            line(
                    "database        grew %,.1f MB for %,d journal rows (%,d bytes per row, indexes included)",
                    databaseBytes / 1e6,
                    measured.journaledRows(),
                    measured.journaledRows() == 0 ? 0 : databaseBytes / measured.journaledRows());
            line(
                    "target          %s",
                    switch (verdict()) {
                        case REPORT -> "none on " + dialect.vendor() + " (reported only)";
                        case PASS, FAIL ->
                            String.format(
                                    Locale.ROOT,
                                    "sustained append >= %,.0f rows/s with no errors: %s (%,.0f rows/s, %d problems)",
                                    APPEND_TARGET,
                                    verdict(),
                                    appends.sustained(),
                                    measured.problems());
                    });
        }

        private void printResults() {
            PhaseFigures appends = measured.appends();
            PhaseFigures commits = measured.commits();
            PhaseFigures reads = measured.reads();
            result("append_rows_per_s", Math.round(appends.rate()));
            result("append_sustained_rows_per_s", Math.round(appends.sustained()));
            result("append_batch_p50_ms", appends.latency().p50());
            result("append_batch_p99_ms", appends.latency().p99());
            result("append_batch_max_ms", appends.latency().max());
            result("append_rows", appends.units());
            result("append_errors", appends.errors() + appends.anomalies());
            result("cursor_commits_per_s", Math.round(commits.rate()));
            result("cursor_commit_p50_ms", commits.latency().p50());
            result("cursor_commit_p99_ms", commits.latency().p99());
            result("cursor_commit_max_ms", commits.latency().max());
            result("cursor_commit_errors", commits.errors() + commits.anomalies());
            result("read_rows_per_s", Math.round(reads.rate()));
            result("read_rows", reads.units());
            result("read_errors", reads.errors() + reads.anomalies());
            result("heap_peak_used_mb", heap.peakUsed() >> 20);
            result("database_growth_mb", databaseBytes / 1e6);
            System.out.printf(
                    Locale.ROOT,
                    "TARGET dialect=%s metric=append_sustained_rows_per_s value=%.0f min=%.0f verdict=%s%n",
                    dialect.vendor(),
                    appends.sustained(),
                    APPEND_TARGET,
                    verdict());
        }

        private static String problems(PhaseFigures phase) {
            return phase.errors() + " errors, " + phase.anomalies() + " anomalies";
        }

        private static void line(String format, Latency latency) {
            line(format, latency.p50(), latency.p99(), latency.max());
        }

        private static void line(String format, Object... args) {
            System.out.printf(Locale.ROOT, format + "%n", args);
        }

        private void result(String metric, long value) {
            System.out.printf(Locale.ROOT, "RESULT dialect=%s metric=%s value=%d%n", dialect.vendor(), metric, value);
        }

        private void result(String metric, double value) {
            System.out.printf(Locale.ROOT, "RESULT dialect=%s metric=%s value=%.2f%n", dialect.vendor(), metric, value);
        }
    }

    /**
     * The heap during a dialect's run, in bytes.
     *
     * @param peakUsed the most used at any sample
     * @param peakAfterGc the most still used after a collection (the live data, roughly)
     * @param max the heap's limit
     */
    record HeapFigures(long peakUsed, long peakAfterGc, long max) {}

    /** Samples the heap every 50 ms on a daemon thread of its own. */
    static final class HeapSampler implements AutoCloseable {

        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .toList();
        private final AtomicLong peakUsed = new AtomicLong();
        private final AtomicLong peakAfterGc = new AtomicLong();
        private final Scheduler scheduler = Schedulers.newSingle("heap-sampler", true);
        private final Disposable sampling;

        HeapSampler() {
            sampling = Flux.interval(Duration.ZERO, Duration.ofMillis(50), scheduler)
                    .subscribe(tick -> sample());
        }

        void reset() {
            peakUsed.set(0);
            peakAfterGc.set(0);
            sample();
        }

        HeapFigures figures() {
            sample();
            return new HeapFigures(
                    peakUsed.get(),
                    peakAfterGc.get(),
                    memory.getHeapMemoryUsage().getMax());
        }

        private void sample() {
            peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
            long afterGc = 0;
            for (MemoryPoolMXBean pool : heapPools) {
                MemoryUsage usage = pool.getCollectionUsage();
                afterGc += usage == null ? 0 : usage.getUsed();
            }
            peakAfterGc.accumulateAndGet(afterGc, Math::max);
        }

        @Override
        public void close() {
            sampling.dispose();
            scheduler.dispose();
        }
    }

    /**
     * A fresh database for one dialect's run, removed on {@link #close()} or, if the run is
     * interrupted, when the JVM exits.
     */
    abstract static sealed class BenchDatabase implements AutoCloseable permits PostgresDatabase, H2Database {

        private final AtomicBoolean removed = new AtomicBoolean();
        private final Thread removeOnExit = new Thread(this::removeOnce, "bench-database-cleanup");

        static BenchDatabase create(Dialect dialect) {
            BenchDatabase database = switch (dialect) {
                case POSTGRESQL -> PostgresDatabase.create();
                case H2 -> H2Database.create();
            };
            Runtime.getRuntime().addShutdownHook(database.removeOnExit);
            return database;
        }

        /** The store URL. */
        abstract String url();

        /** The database, for people. */
        abstract String description();

        /** The space it takes on disk. */
        abstract long sizeBytes();

        abstract void remove();

        @Override
        public final void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(removeOnExit);
            } catch (IllegalStateException exiting) {
                // The hook runs (or ran) anyway.
            }
            removeOnce();
        }

        private void removeOnce() {
            if (removed.compareAndSet(false, true)) {
                remove();
            }
        }
    }

    /** A database {@code watchgate_bench_*} created on the bench's PostgreSQL server. */
    static final class PostgresDatabase extends BenchDatabase {

        /** The environment variable naming the bench's PostgreSQL. */
        static final String URL_VARIABLE = "WATCHGATE_BENCH_PG_URL";

        private final StoreUrl server;
        private final String name;
        private final String url;
        private final String version;

        private PostgresDatabase(StoreUrl server, String name, String url, String version) {
            this.server = server;
            this.name = name;
            this.url = url;
            this.version = version;
        }

        static PostgresDatabase create() {
            String serverUrl = serverUrl();
            StoreUrl server = StoreUrl.parse(serverUrl);
            String name = "watchgate_bench_"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            String url = serverUrl.replaceFirst("^(r2dbc:postgresql://[^/?]+/)[^?]*", "$1" + name);
            if (url.equals(serverUrl)) {
                throw new IllegalArgumentException("cannot name another database in " + StoreUrl.redact(serverUrl)
                        + " (set " + URL_VARIABLE + "=r2dbc:postgresql://user@host:5432/postgres)");
            }
            String version = query(server, "SHOW server_version");
            query(server, "CREATE DATABASE " + name);
            return new PostgresDatabase(server, name, url, version);
        }

        /** {@code WATCHGATE_BENCH_PG_URL}, else the tests' server. */
        private static String serverUrl() {
            String configured = System.getenv(URL_VARIABLE);
            if (configured == null || configured.isBlank()) {
                return TestPostgres.url();
            }
            String url = configured.strip();
            if (url.startsWith("jdbc:")) {
                return "r2dbc:" + url.substring("jdbc:".length());
            }
            return url.startsWith("r2dbc:") ? url : "r2dbc:" + url;
        }

        @Override
        String url() {
            return url;
        }

        @Override
        String description() {
            return StoreUrl.redact(url) + " (PostgreSQL " + version + ")";
        }

        @Override
        long sizeBytes() {
            return Long.parseLong(query(server, "SELECT pg_database_size('" + name + "')"));
        }

        @Override
        void remove() {
            query(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }

        /** Runs one statement on the server's own database; answers the first column of the first row. */
        private static String query(StoreUrl server, String sql) {
            try (Connection connection =
                            DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
                    Statement statement = connection.createStatement()) {
                if (!statement.execute(sql)) {
                    return "";
                }
                try (ResultSet rows = statement.getResultSet()) {
                    return rows.next() ? String.valueOf(rows.getString(1)) : "";
                }
            } catch (SQLException e) {
                throw new IllegalStateException("PostgreSQL at " + server + " refused: " + sql, e);
            }
        }
    }

    /** An H2 file in a temporary directory. */
    static final class H2Database extends BenchDatabase {

        private final Path directory;

        private H2Database(Path directory) {
            this.directory = directory;
        }

        static H2Database create() {
            try {
                return new H2Database(Files.createTempDirectory("watchgate-bench-h2-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        String url() {
            return "r2dbc:h2:file:///" + directory.resolve("store");
        }

        @Override
        String description() {
            return url() + " (H2 file)";
        }

        @Override
        long sizeBytes() {
            try (Stream<Path> files = Files.walk(directory)) {
                return files.filter(Files::isRegularFile)
                        .mapToLong(H2Database::size)
                        .sum();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        void remove() {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long size(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
