package io.watchgate.store.examples;

import io.watchgate.core.Notification;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import io.watchgate.store.WatchgateStore;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The README's store example: a watch whose cursor survives restarts. The first run starts from
 * sequence 1; every later run resumes after the last committed notification.
 * Run it: {@code DurableMars https://aviso.example.org r2dbc:h2:file:///./data/watchgate 5}.
 */
public final class DurableMars {

    private DurableMars() {}

    /** Watches {@code mars} notifications with {@code class=od} and prints {@code count} of them. */
    public static void main(String[] args) {
        URI aviso = URI.create(args.length > 0 ? args[0] : "http://localhost:8000");
        String store = args.length > 1 ? args[1] : "r2dbc:h2:file:///./data/watchgate";
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        run(aviso, store, count).forEach(n -> System.out.println(n.cursor() + " " + n.payload()));
    }

    /** The example itself: the next {@code count} notifications. */
    public static List<Notification> run(URI aviso, String storeUrl, int count) {
        try (WatchgateStore store = WatchgateStore.builder(storeUrl).open();
                WatchClient client = WatchClient.builder()
                        .upstream(Upstream.aviso(aviso))
                        .cursorStore(store.cursors())
                        .build()) {
            WatchRequest.AvisoRequest request = WatchRequest.aviso("mars").where("class", "od");
            boolean firstRun = !store.cursors()
                    .load(client.sessionKey(request))
                    .hasElement()
                    .block(Duration.ofSeconds(10));
            return client.watch(firstRun ? request.fromSequence(1) : request)
                    .take(count)
                    .collectList()
                    .block(Duration.ofMinutes(1));
        }
    }
}
