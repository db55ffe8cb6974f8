package io.watchgate.gateway.admin;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class OneAtATimeTests {

    private final OneAtATime actions = new OneAtATime();

    @Test
    void aSecondActionForTheSameKeyIsRefusedWhileTheFirstRunsAndRunsOnceItEnded() {
        Sinks.One<String> first = Sinks.one();
        StepVerifier.create(actions.run("a", first::asMono, Busy::new))
                .expectSubscription()
                .then(() -> {
                    StepVerifier.create(actions.run("a", () -> Mono.just("second"), Busy::new))
                            .verifyError(Busy.class);
                    // another key is not held back
                    StepVerifier.create(actions.run("b", () -> Mono.just("other"), Busy::new))
                            .expectNext("other")
                            .verifyComplete();
                    first.tryEmitValue("first");
                })
                .expectNext("first")
                .verifyComplete();

        StepVerifier.create(actions.run("a", () -> Mono.just("third"), Busy::new))
                .expectNext("third")
                .verifyComplete();
    }

    @Test
    void theKeyIsFreeAgainAfterAFailureOrACancel() {
        StepVerifier.create(actions.run(
                        "a",
                        () -> {
                            throw new IllegalStateException("refused");
                        },
                        Busy::new))
                .verifyError(IllegalStateException.class);
        StepVerifier.create(actions.run("a", Mono::never, Busy::new))
                .expectSubscription()
                .thenCancel()
                .verify();

        StepVerifier.create(actions.run("a", () -> Mono.just("again"), Busy::new))
                .expectNext("again")
                .verifyComplete();
    }

    private static final class Busy extends RuntimeException {}
}
