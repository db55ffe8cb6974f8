package io.watchgate.core.examples;

import io.watchgate.core.Notification;
import io.watchgate.core.Upstream;
import io.watchgate.core.WatchClient;
import io.watchgate.core.WatchRequest;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The README's embedding example: watch an aviso event type from a sequence and print what
 * arrives. Run it against any aviso-server: {@code WatchMars https://aviso.example.org 5}.
 */
public final class WatchMars {

    private WatchMars() {}

    /** Watches {@code mars} notifications with {@code class=od} from sequence 1 and prints {@code count} of them. */
    public static void main(String[] args) {
        URI aviso = URI.create(args.length > 0 ? args[0] : "http://localhost:8000");
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        run(aviso, count)
                .forEach(n -> System.out.println(n.sequence().getAsLong() + " " + n.identifier() + " " + n.payload()));
    }

    /** The example itself: the first {@code count} notifications. */
    public static List<Notification> run(URI aviso, int count) {
        try (WatchClient client =
                WatchClient.builder().upstream(Upstream.aviso(aviso)).build()) {
            return client.watch(WatchRequest.aviso("mars").where("class", "od").fromSequence(1))
                    .take(count)
                    .collectList()
                    .block(Duration.ofMinutes(1));
        }
    }
}
