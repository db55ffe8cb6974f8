package io.watchgate.store.sql;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where H2's blocking calls run: a store's own daemon threads, which a cancelled task never interrupts.
 *
 * <p>Reactor's own schedulers interrupt a running task when it is cancelled from another thread.
 * H2 must never see that: an interrupt during file I/O closes its file channel, and the database
 * with it, until the store is opened again. An {@link java.util.concurrent.Executor}-backed
 * scheduler cannot interrupt: a cancelled unit of work finishes its statement and then sees the
 * cancel.
 */
final class UninterruptibleScheduler {

    private UninterruptibleScheduler() {}

    /** A scheduler of {@code threads} threads, started at once; dispose it to stop them. */
    static Scheduler create(int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "watchgate-h2-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        // Handing work over must not block the (often non-blocking) caller: a lock-free queue, and
        // every thread started up front, so that no submission has to take the pool's lock.
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedTransferQueue<>(), factory);
        executor.prestartAllCoreThreads();
        // Hidden behind Executor: given an ExecutorService, Reactor would cancel its futures with
        // interrupts.
        Executor plain = executor::execute;
        Scheduler scheduler = Schedulers.fromExecutor(plain);
        return new Scheduler() {
            @Override
            public Disposable schedule(Runnable task) {
                return scheduler.schedule(task);
            }

            @Override
            public Worker createWorker() {
                return scheduler.createWorker();
            }

            @Override
            public void dispose() {
                scheduler.dispose();
                executor.shutdown();
            }

            @Override
            public boolean isDisposed() {
                return executor.isShutdown();
            }
        };
    }
}
