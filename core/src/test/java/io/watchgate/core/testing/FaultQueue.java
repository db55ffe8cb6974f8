package io.watchgate.core.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * The one-shot faults armed for upcoming connections, consumed in the order they were armed: {@code
 * dropAfter(3); failNext(1, 403)} makes the next stream drop after 3 notifications and the request
 * after it fail with 403. Not thread-safe: the owning server guards it with its lock.
 */
final class FaultQueue {

    /** A fault for one upcoming connection. */
    sealed interface Fault permits Fail, Stall, Drop {}

    /** Answer the request with {@code status} (and {@code Retry-After} when given) instead of a stream. */
    record Fail(int status, @Nullable String retryAfter) implements Fault {}

    /** Open the stream, send the headers, then nothing. */
    record Stall() implements Fault {}

    /** Open the stream and close the TCP connection after {@code notifications} notifications. */
    record Drop(int notifications) implements Fault {}

    private final Deque<Fault> queue = new ArrayDeque<>();

    /** Arms {@code fault} for the next {@code times} connections after those already armed. */
    void add(Fault fault, int times) {
        for (int i = 0; i < times; i++) {
            queue.addLast(fault);
        }
    }

    /** Takes the next fault if it is a failure; every request, valid or not, consumes one. */
    @Nullable
    Fail pollFailure() {
        if (queue.peekFirst() instanceof Fail fail) {
            queue.removeFirst();
            return fail;
        }
        return null;
    }

    /** Takes the next fault if it applies to an opened stream (stall or drop). */
    @Nullable
    Fault pollStreamFault() {
        Fault next = queue.peekFirst();
        if (next instanceof Stall || next instanceof Drop) {
            queue.removeFirst();
            return next;
        }
        return null;
    }

    /** Forgets every armed fault. */
    void clear() {
        queue.clear();
    }
}
