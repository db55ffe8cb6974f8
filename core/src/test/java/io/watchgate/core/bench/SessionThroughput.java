package io.watchgate.core.bench;

import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.testing.AvisoTestServer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many notifications per second one session decodes and delivers over loopback: the aviso
 * test upstream replays {@code count} stored notifications (CloudEvents of about 300 bytes) to one
 * session, which decodes SSE, parses the JSON, checks sequences, delivers and commits. Run by
 * {@code src/bench/core-throughput.sh}; prints one line per round and the median.
 */
public final class SessionThroughput {

    private SessionThroughput() {}

    /** Arguments: notifications per round (default 200000), rounds (default 5). */
    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (AvisoTestServer server = AvisoTestServer.start()) {
            for (int i = 0; i < count; i++) {
                server.publish(
                        "mars", Map.of("class", "od", "date", "20260101", "time", "1200", "step", i), "payload-" + i);
            }
            double[] rates = new double[rounds];
            for (int round = 0; round < rounds + 1; round++) {
                try (WatchClient client = WatchClient.builder()
                        .upstream(Upstream.aviso(server.baseUri()))
                        .build()) {
                    AtomicLong bytes = new AtomicLong();
                    long start = System.nanoTime();
                    long received = client.watch(WatchRequest.aviso("mars").fromSequence(1))
                            .take(count)
                            .doOnNext(n -> bytes.addAndGet(n.raw().length()))
                            .count()
                            .block(Duration.ofMinutes(5));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double rate = received / seconds;
                    if (round == 0) {
                        System.out.printf(
                                Locale.ROOT,
                                "warm-up: %,d notifications in %.2f s (%,.0f/s)%n",
                                received,
                                seconds,
                                rate);
                        continue;
                    }
                    rates[round - 1] = rate;
                    System.out.printf(
                            Locale.ROOT,
                            "round %d: %,d notifications in %.2f s = %,.0f notifications/s (%.1f MB/s of event data)%n",
                            round,
                            received,
                            seconds,
                            rate,
                            bytes.get() / seconds / 1e6);
                }
            }
            java.util.Arrays.sort(rates);
            System.out.printf(
                    Locale.ROOT,
                    "median: %,.0f notifications/s decoded and delivered by one session%n",
                    rates[rounds / 2]);
        }
    }
}
