package io.watchgate.core;

import static io.watchgate.core.IdentifierFilter.Operator.GTE;
import static io.watchgate.core.IdentifierFilter.Operator.IN;
import static io.watchgate.core.IdentifierFilter.constraint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.watchgate.core.cursor.Checkpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Building a client and computing keys opens no connection: nothing here touches the network. */
class WatchClientTests {

    private static final Upstream AVISO =
            Upstream.aviso(URI.create("http://aviso.test")).named("aviso-prod");
    private static final Upstream SSE = Upstream.sse("http://sse.test/events/{channel}");

    private WatchClient client;

    private WatchClient client(Upstream upstream) {
        client = WatchClient.builder().upstream(upstream).build();
        return client;
    }

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Nested
    class SessionKey {

        @Test
        void isPinnedForAFixedRequestAndUpstreamName() {
            // sha256("aviso-prod\naviso:mars?class=od&step[gte]=4"), first 16 bytes: a change here
            // orphans every stored cursor, so it must be deliberate.
            WatchRequest request =
                    WatchRequest.aviso("mars").where("class", "od").where("step", constraint(GTE, "4"));

            assertThat(client(AVISO).sessionKey(request)).isEqualTo("f7a1982f5a8cf72e3efc807a3a4d36ae");
        }

        @Test
        void isThirtyTwoLowercaseHexCharacters() {
            WatchClient aviso = client(AVISO);

            for (WatchRequest request : new WatchRequest[] {
                WatchRequest.aviso("mars"),
                WatchRequest.aviso("diss").where("destination", "ABC").replayOnly(),
                WatchRequest.aviso("mars").where("région", "é")
            }) {
                assertThat(aviso.sessionKey(request)).hasSize(32).matches("[0-9a-f]{32}");
            }
        }

        @Test
        void isStableAcrossCallsAndClients() {
            WatchRequest request = WatchRequest.aviso("mars").where("class", "od");
            String first = client(AVISO).sessionKey(request);

            try (WatchClient other = WatchClient.builder().upstream(AVISO).build()) {
                assertThat(other.sessionKey(request)).isEqualTo(first);
            }
            assertThat(client.sessionKey(WatchRequest.aviso("mars").where("class", "od")))
                    .isEqualTo(first);
        }

        @Test
        void doesNotDependOnFilterOrderOrStart() {
            WatchClient aviso = client(AVISO);
            WatchRequest one = WatchRequest.aviso("mars")
                    .where("class", "od")
                    .where("domain", constraint(IN, "g", "a"))
                    .where("step", 1);
            WatchRequest other = WatchRequest.aviso("mars")
                    .where("step", 1)
                    .where("domain", constraint(IN, "a", "g"))
                    .where("class", "od")
                    .fromSequence(42);
            WatchRequest third = WatchRequest.aviso("mars")
                    .where("step", "1")
                    .where("class", "od")
                    .where("domain", constraint(IN, "g", "a"))
                    .fromDate(Instant.parse("2025-01-01T00:00:00Z"));

            assertThat(aviso.sessionKey(one)).isEqualTo(aviso.sessionKey(other)).isEqualTo(aviso.sessionKey(third));
        }

        @Test
        void sseKeysDoNotDependOnVariableOrderOrStart() {
            WatchClient sse = client(SSE);
            WatchRequest one = WatchRequest.sse().variable("channel", "x").variable("region", "eu");
            WatchRequest other = WatchRequest.sse()
                    .variable("region", "eu")
                    .variable("channel", "x")
                    .afterEventId("17");

            assertThat(sse.sessionKey(one)).isEqualTo(sse.sessionKey(other));
        }

        @Test
        void dependsOnTheUpstreamName() {
            WatchRequest request =
                    WatchRequest.aviso("mars").where("class", "od").where("step", constraint(GTE, "4"));
            String prod = client(AVISO).sessionKey(request);

            try (WatchClient renamed =
                    WatchClient.builder().upstream(AVISO.named("aviso-test")).build()) {
                assertThat(renamed.sessionKey(request))
                        .isEqualTo("1ab320f8dd1e93bd192ffc42d9f09646")
                        .isNotEqualTo(prod);
            }
        }

        @Test
        void dependsOnTheStreamAndMode() {
            WatchClient aviso = client(AVISO);
            WatchRequest.AvisoRequest base = WatchRequest.aviso("mars").where("class", "od");

            assertThat(aviso.sessionKey(base))
                    .isNotEqualTo(aviso.sessionKey(base.where("class", "rd")))
                    .isNotEqualTo(aviso.sessionKey(base.where("step", "1")))
                    .isNotEqualTo(aviso.sessionKey(base.fromSequence(1).replayOnly()))
                    .isNotEqualTo(aviso.sessionKey(WatchRequest.aviso("diss").where("class", "od")));
        }

        @Test
        void sessionsCarryTheKeyAndTheRequest() {
            WatchClient aviso = client(AVISO);
            WatchRequest request =
                    WatchRequest.aviso("mars").where("class", "od").fromSequence(3);

            WatchSession session = aviso.session(request);

            assertThat(session.key()).isEqualTo(aviso.sessionKey(request));
            assertThat(session.request()).isEqualTo(request);
            assertThat(aviso.sessions()).isEmpty();
        }
    }

    @Nested
    class RequestValidation {

        @Test
        void anAvisoClientRejectsAnSseRequest() {
            WatchClient aviso = client(AVISO);
            WatchRequest sse = WatchRequest.sse().variable("channel", "x");

            assertThatThrownBy(() -> aviso.watch(sse))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("WatchRequest.aviso(eventType)");
            assertThatThrownBy(() -> aviso.session(sse))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("WatchRequest.aviso(eventType)");
        }

        @Test
        void anSseClientRejectsAnAvisoRequest() {
            WatchClient sse = client(SSE);
            WatchRequest aviso = WatchRequest.aviso("mars");

            assertThatThrownBy(() -> sse.watch(aviso))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("WatchRequest.sse()");
            assertThatThrownBy(() -> sse.session(aviso))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("WatchRequest.sse()");
        }

        @Test
        void anSseClientRejectsARequestWithoutTheTemplateVariables() {
            WatchClient sse = client(SSE);

            assertThatThrownBy(() -> sse.watch(WatchRequest.sse().variable("other", "x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'channel'");
        }
    }

    @Nested
    class Builder {

        @Test
        void needsAnUpstream() {
            assertThatNullPointerException()
                    .isThrownBy(() -> WatchClient.builder().build())
                    .withMessageContaining("upstream");
        }

        @Test
        void keepsTheUpstream() {
            assertThat(client(AVISO).upstream()).isEqualTo(AVISO);
            assertThat(AVISO.url()).isEqualTo("http://aviso.test");
            assertThat(Upstream.aviso(URI.create("http://aviso.test/")).url()).isEqualTo("http://aviso.test");
            assertThat(Upstream.aviso(URI.create("http://aviso.test/")).name()).isEqualTo("aviso.test");
        }

        static Stream<Arguments> invalidSettings() {
            return Stream.of(
                    Arguments.of("commit batch size", (Consumer<WatchClient.Builder>)
                            b -> b.commitEvery(0, Duration.ofSeconds(1))),
                    Arguments.of("commit batch size", (Consumer<WatchClient.Builder>)
                            b -> b.commitEvery(-1, Duration.ofSeconds(1))),
                    Arguments.of(
                            "commit interval", (Consumer<WatchClient.Builder>) b -> b.commitEvery(1, Duration.ZERO)),
                    Arguments.of("commit interval", (Consumer<WatchClient.Builder>)
                            b -> b.commitEvery(1, Duration.ofMillis(-1))),
                    Arguments.of("maxRetryAfter", (Consumer<WatchClient.Builder>) b -> b.maxRetryAfter(Duration.ZERO)),
                    Arguments.of(
                            "heartbeatTimeout", (Consumer<WatchClient.Builder>) b -> b.heartbeatTimeout(Duration.ZERO)),
                    Arguments.of(
                            "connectTimeout", (Consumer<WatchClient.Builder>) b -> b.connectTimeout(Duration.ZERO)),
                    Arguments.of("connectTimeout", (Consumer<WatchClient.Builder>)
                            b -> b.connectTimeout(Duration.ofSeconds(-5))),
                    Arguments.of("maxLineBytes", (Consumer<WatchClient.Builder>) b -> b.maxFrameSize(63, 1024)),
                    Arguments.of("maxLineBytes", (Consumer<WatchClient.Builder>) b -> b.maxFrameSize(1024, 1023)));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("invalidSettings")
        void rejectsInvalidSettings(String what, Consumer<WatchClient.Builder> setting) {
            WatchClient.Builder builder = WatchClient.builder();

            assertThatThrownBy(() -> setting.accept(builder))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(what);
        }

        @Test
        void acceptsTheSmallestValidSettings() {
            WatchClient.Builder builder = WatchClient.builder()
                    .upstream(AVISO)
                    .commitEvery(1, Duration.ofNanos(1))
                    .maxRetryAfter(Duration.ofNanos(1))
                    .heartbeatTimeout(Duration.ofNanos(1))
                    .connectTimeout(Duration.ofMillis(1))
                    .maxFrameSize(64, 64);

            client = builder.build();
            assertThat(client.sessionKey(WatchRequest.aviso("mars"))).hasSize(32);
        }

        @Test
        void rejectsNulls() {
            WatchClient.Builder builder = WatchClient.builder();

            assertThatNullPointerException().isThrownBy(() -> builder.upstream(null));
            assertThatNullPointerException().isThrownBy(() -> builder.auth(null));
            assertThatNullPointerException().isThrownBy(() -> builder.cursorStore(null));
            assertThatNullPointerException().isThrownBy(() -> builder.scheduler(null));
        }
    }

    @Test
    void aClosedClientStillComputesKeys() {
        WatchClient aviso = client(AVISO);
        aviso.close();

        assertThat(aviso.sessionKey(WatchRequest.aviso("mars").from(Start.after(Checkpoint.of("mars@1", 1)))))
                .isEqualTo(aviso.sessionKey(WatchRequest.aviso("mars")));
    }
}
