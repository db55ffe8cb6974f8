package io.watchgate.gateway.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * Writes offered items in batches, one batch at a time: a batch is whatever has queued up while the
 * previous one was written (at most {@code maxBatch}), so a lone item is written at once and a
 * burst is written in few large batches, with no timer.
 *
 * <p>{@link #offer} may be called from any thread. The writes never overlap, and batches keep the
 * order of the offers.
 *
 * @param <T> the items
 */
public final class BatchWriter<T> {

    private final Queue<T> queue = Queues.<T>unboundedMultiproducer().get();
    private final AtomicInteger wip = new AtomicInteger();
    private final int maxBatch;
    private final Function<List<T>, Mono<?>> write;
    private final IntConsumer written;
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private volatile boolean writing;
    private volatile boolean completed;
    private volatile @Nullable Throwable failure;

    /**
     * @param maxBatch the most items in one write
     * @param write writes one batch; an error ends the writer (items still queued are dropped)
     * @param written told how many items each successful write took
     */
    public BatchWriter(int maxBatch, Function<List<T>, Mono<?>> write, IntConsumer written) {
        this.maxBatch = maxBatch;
        this.write = write;
        this.written = written;
    }

    /** Queues an item. */
    public void offer(T item) {
        queue.offer(item);
        drain();
    }

    /** No more items will be offered: {@link #finished()} completes once the queued ones are written. */
    public void complete() {
        completed = true;
        drain();
    }

    /** Completes when every item was written after {@link #complete()}, or errors with a failed write. */
    public Mono<Void> finished() {
        return finished.asMono();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!writing && failure == null) {
                if (!queue.isEmpty()) {
                    List<T> batch = new ArrayList<>(Math.min(maxBatch, queue.size()));
                    T item;
                    while (batch.size() < maxBatch && (item = queue.poll()) != null) {
                        batch.add(item);
                    }
                    writing = true;
                    write.apply(batch).subscribe(null, this::failed, () -> {
                        writing = false;
                        written.accept(batch.size());
                        drain();
                    });
                } else if (completed) {
                    finished.tryEmitEmpty();
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void failed(Throwable error) {
        failure = error;
        queue.clear();
        finished.tryEmitError(error);
    }
}
