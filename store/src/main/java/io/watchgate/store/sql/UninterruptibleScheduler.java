package io.watchgate.store.sql;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where H2's blocking calls run: a few daemon threads that a cancelled task never interrupts.
 *
 * <p>Reactor's own schedulers interrupt a running task when it is cancelled from another thread.
 * H2 must never see that: an interrupt during file I/O closes its file channel, and the database
 * with it, until the store is opened again. An {@link java.util.concurrent.Executor}-backed
 * scheduler cannot interrupt: a cancelled unit of work finishes its statement and then sees the
 * cancel.
 */
final class UninterruptibleScheduler {

    /** As many threads as a sensible H2 pool has connections: the pool is what bounds the work. */
    private static final int THREADS = 8;

    private static final Scheduler INSTANCE = create();

    private UninterruptibleScheduler() {}

    /** The shared scheduler. */
    static Scheduler get() {
        return INSTANCE;
    }

    private static Scheduler create() {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "watchgate-h2-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        // Handing work over must not block the (often non-blocking) caller: a lock-free queue, and
        // every thread started up front, so that no submission has to take the pool's lock.
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS, new LinkedTransferQueue<>(), threads);
        executor.prestartAllCoreThreads();
        // Hidden behind Executor: given an ExecutorService, Reactor would cancel its futures with
        // interrupts.
        Executor plain = executor::execute;
        return Schedulers.fromExecutor(plain);
    }
}
