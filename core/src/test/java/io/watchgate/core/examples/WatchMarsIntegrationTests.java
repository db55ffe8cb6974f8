package io.watchgate.core.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.Notification;
import io.watchgate.core.testing.AvisoTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's embedding example runs against an aviso-compatible server. */
class WatchMarsIntegrationTests {

    @Test
    void theEmbeddingExampleReceivesNotifications() {
        try (AvisoTestServer server = AvisoTestServer.start()) {
            server.publish("mars", Map.of("class", "od", "step", 1), "first");
            server.publish("mars", Map.of("class", "rd", "step", 2), "other class");
            server.publish("mars", Map.of("class", "od", "step", 3), "second");
            List<Notification> received = WatchMars.run(server.baseUri(), 2);
            assertThat(received).extracting(n -> n.sequence().getAsLong()).containsExactly(1L, 3L);
            assertThat(received).extracting(Notification::payload).containsExactly("\"first\"", "\"second\"");
            assertThat(received.getFirst().identifier())
                    .containsEntry("class", "od")
                    .containsEntry("step", "1");
        }
    }
}
