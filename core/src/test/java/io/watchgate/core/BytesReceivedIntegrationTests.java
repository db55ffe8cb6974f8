package io.watchgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.testing.AvisoTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link WatchClient.Builder#bytesReceived} counts what the upstream connections read. */
class BytesReceivedIntegrationTests {

    @Test
    void countsTheBytesOfTheUpstreamStream() {
        AtomicLong bytes = new AtomicLong();
        try (AvisoTestServer server = AvisoTestServer.start();
                WatchClient client = WatchClient.builder()
                        .upstream(Upstream.aviso(server.baseUri()))
                        .bytesReceived(bytes::addAndGet)
                        .build()) {
            String payload = "x".repeat(10_000);
            server.publish("mars", Map.of("class", "od"), payload);
            server.publish("mars", Map.of("class", "od"), payload);
            List<Notification> received = client.watch(
                            WatchRequest.aviso("mars").where("class", "od").fromSequence(1))
                    .take(2)
                    .collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(received).hasSize(2);
            // both payloads crossed the wire, plus the HTTP head and the frames around them
            assertThat(bytes.get()).isGreaterThan(20_000L);
        }
    }
}
