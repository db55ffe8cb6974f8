package io.watchgate.store.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.Notification;
import io.watchgate.core.testing.AvisoTestServer;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.testing.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's store example resumes where the previous run stopped, across a reopen of the H2 file. */
class DurableMarsIntegrationTests {

    @Test
    void aSecondRunResumesAfterTheLastCommittedNotification() {
        try (AvisoTestServer server = AvisoTestServer.start();
                TestDatabase database = TestDatabase.create(DurableMarsIntegrationTests.class, Dialect.H2)) {
            for (int step = 1; step <= 6; step++) {
                server.publish("mars", Map.of("class", "od", "step", step), "n" + step);
            }

            var first = DurableMars.run(server.baseUri(), database.url(), 3);
            var second = DurableMars.run(server.baseUri(), database.url(), 3);

            assertThat(first).extracting(Notification::cursor).containsExactly("mars@1", "mars@2", "mars@3");
            // take(3) cancels at the third notification, before its commit: at least once, it comes again.
            assertThat(second).extracting(Notification::cursor).containsExactly("mars@3", "mars@4", "mars@5");
        }
    }
}
