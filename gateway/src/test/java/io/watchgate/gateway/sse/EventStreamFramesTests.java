package io.watchgate.gateway.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.core.sse.SseDecoder;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStreamFramesTests {

    @Test
    void aMessageCarriesItsIdAndData() {
        assertThat(text(EventStreamFrames.message("42", "{\"a\":1}"))).isEqualTo("id: 42\ndata: {\"a\":1}\n\n");
    }

    @Test
    void multiLineDataBecomesOneDataLinePerLineAndRoundTrips() {
        String data = "one\ntwo\r\nthree\rfour";
        byte[] frame = EventStreamFrames.named("status", data);
        assertThat(text(frame)).isEqualTo("event: status\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
        List<SseEvent> decoded = decode(EventStreamFrames.message("7", "a\n\nb\n"));
        assertThat(decoded).singleElement().satisfies(event -> {
            assertThat(event.data()).isEqualTo("a\n\nb\n");
            assertThat(event.lastEventId()).isEqualTo("7");
        });
    }

    @Test
    void retryAndHeartbeatFrames() {
        assertThat(text(EventStreamFrames.retry(Duration.ofSeconds(2)))).isEqualTo("retry: 2000\n\n");
        assertThat(text(EventStreamFrames.heartbeat())).isEqualTo(": hb\n\n");
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<SseEvent> decode(byte[] bytes) {
        List<SseEvent> events = new ArrayList<>();
        new SseDecoder().decode(bytes, 0, bytes.length, (SseFrame frame) -> {
            if (frame instanceof SseEvent event) {
                events.add(event);
            }
        });
        return events;
    }
}
