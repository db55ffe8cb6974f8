package io.watchgate.gateway.admin;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Runs one action per key at a time, without waiting for a lock: while one runs, another for the
 * same key is refused at once.
 */
final class OneAtATime {

    private final Set<String> running = ConcurrentHashMap.newKeySet();

    /**
     * Runs the action when subscribed, unless one runs for this key; the key is free again once the
     * action ends (completes, fails or is cancelled).
     *
     * @param busy the error to fail with when one runs for this key
     */
    <T> Mono<T> run(String key, Supplier<Mono<T>> action, Supplier<? extends Throwable> busy) {
        return Mono.defer(() -> {
            if (!running.add(key)) {
                return Mono.error(busy.get());
            }
            return Mono.defer(action).doFinally(signal -> running.remove(key));
        });
    }
}
