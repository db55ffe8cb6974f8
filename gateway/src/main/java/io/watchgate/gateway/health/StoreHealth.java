package io.watchgate.gateway.health;

import io.watchgate.store.WatchgateStore;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * Whether the store answers a trivial query in time: DOWN when it does not, with the error's class
 * (not its message, which may name hosts, users or SQL).
 */
public final class StoreHealth implements ReactiveHealthIndicator {

    /** How long the store may take to answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final WatchgateStore store;

    /** @param store the gateway's store */
    public StoreHealth(WatchgateStore store) {
        this.store = store;
    }

    @Override
    public Mono<Health> health() {
        String database = store.dialect().name().toLowerCase(java.util.Locale.ROOT);
        return store.ping()
                .timeout(TIMEOUT)
                .then(Mono.fromSupplier(
                        () -> Health.up().withDetail("database", database).build()))
                .onErrorResume(error -> Mono.just(Health.down()
                        .withDetail("database", database)
                        .withDetail("error", error.getClass().getSimpleName())
                        .build()));
    }
}
