package io.watchgate.core.blockhound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** BlockHound is active in the tests: blocking on a non-blocking thread fails them. */
class BlockHoundTests {

    @Test
    void blockingOnAParallelThreadIsReported() {
        Mono<Boolean> blocking = Mono.fromCallable(() -> new CountDownLatch(1).await(10, TimeUnit.MILLISECONDS))
                .subscribeOn(Schedulers.parallel());
        StepVerifier.create(blocking)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(BlockingOperationError.class))
                .verify(Duration.ofSeconds(5));
    }
}
