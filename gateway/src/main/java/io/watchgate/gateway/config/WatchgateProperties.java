package io.watchgate.gateway.config;

import io.watchgate.core.Upstream.Protocol;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything under {@code watchgate.*}, validated when it is bound: a bad value stops the start-up
 * with a message that names its key.
 *
 * @param store where cursors and the journal live
 * @param upstreams the upstreams by name (the name is used in URLs)
 * @param fanout how notifications reach subscribers
 * @param journal how long notifications are kept for resuming subscribers
 * @param admin the admin API
 * @param cors which browser origins may open streams
 * @param metrics what the meters are labelled with
 */
@ConfigurationProperties("watchgate")
public record WatchgateProperties(
        @DefaultValue Store store,
        @Nullable Map<String, UpstreamProperties> upstreams,
        @DefaultValue Fanout fanout,
        @DefaultValue Journal journal,
        @DefaultValue Admin admin,
        @DefaultValue Cors cors,
        @DefaultValue Metrics metrics) {

    /** The name of the built-in origin ({@code POST /api/v1/notification}). */
    public static final String LOCAL = "local";

    /** Validates every value, reporting all bad keys at once. */
    public WatchgateProperties {
        upstreams = upstreams == null ? Map.of() : new TreeMap<>(upstreams);
        List<String> problems = new ArrayList<>();
        store.check(problems);
        upstreams.forEach((name, upstream) -> upstream.check("watchgate.upstreams." + name, name, problems));
        fanout.check(problems);
        journal.check(problems);
        admin.check(problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration: " + String.join("; ", problems));
        }
    }

    /** The upstreams by name (never {@code null}). */
    @Override
    public Map<String, UpstreamProperties> upstreams() {
        return upstreams == null ? Map.of() : upstreams;
    }

    /**
     * The store.
     *
     * @param url an R2DBC URL: {@code r2dbc:h2:file:///./data/watchgate} (embedded, the default) or
     *     {@code r2dbc:postgresql://user:secret@host:5432/db}
     * @param poolSize the most connections open at once
     */
    public record Store(
            @DefaultValue("r2dbc:h2:file:///./data/watchgate")
            String url,

            @DefaultValue("10") int poolSize) {

        void check(List<String> problems) {
            if (!url.startsWith("r2dbc:h2:") && !url.startsWith("r2dbc:postgresql:")) {
                problems.add("watchgate.store.url must be an r2dbc:h2: or r2dbc:postgresql: URL");
            }
            positive(problems, "watchgate.store.pool-size", poolSize);
        }
    }

    /**
     * One upstream.
     *
     * @param protocol {@code aviso} or {@code sse}
     * @param url aviso: the server's base URL; sse: a URL template such as {@code
     *     http://host/sub/{channel}}
     * @param auth credentials sent upstream
     * @param heartbeatTimeout no byte within this long: the connection is starved and replaced
     * @param backoff the reconnection delays
     * @param pinned sessions that always run, each as the query string of a {@code GET /watch}
     *     ({@code event_type=mars&class=od})
     */
    public record UpstreamProperties(
            @Nullable Protocol protocol,
            @Nullable String url,
            @DefaultValue Auth auth,
            @DefaultValue("90s") Duration heartbeatTimeout,
            @DefaultValue Backoff backoff,
            @Nullable List<String> pinned) {

        /** The pinned sessions' query strings (never {@code null}). */
        @Override
        public List<String> pinned() {
            return pinned == null ? List.of() : pinned;
        }

        void check(String prefix, String name, List<String> problems) {
            if (LOCAL.equals(name)) {
                problems.add(prefix + ": the name '" + LOCAL + "' is reserved for the built-in origin");
            }
            if (!name.matches("[A-Za-z0-9_.-]+")) {
                problems.add(prefix + ": an upstream name may hold letters, digits, '_', '.' and '-' only");
            }
            if (protocol == null) {
                problems.add(prefix + ".protocol is required (aviso or sse)");
            }
            if (url == null || url.isBlank()) {
                problems.add(prefix + ".url is required");
            } else if (hasUserInfo(url)) {
                // the URL itself is not repeated: it holds a secret
                problems.add(prefix + ".url must not carry credentials (user:password@): configure " + prefix
                        + ".auth instead");
            } else if (!isHttpUrl(url)) {
                problems.add(prefix + ".url must be an http or https URL: " + url);
            }
            positive(problems, prefix + ".heartbeat-timeout", heartbeatTimeout);
            auth.check(prefix + ".auth", problems);
            backoff.check(prefix + ".backoff", problems);
        }

        private static boolean hasUserInfo(String url) {
            int scheme = url.indexOf("://");
            if (scheme < 0) {
                return false;
            }
            int end = url.length();
            for (char c : new char[] {'/', '?', '#'}) {
                int at = url.indexOf(c, scheme + 3);
                if (at >= 0 && at < end) {
                    end = at;
                }
            }
            return url.substring(scheme + 3, end).contains("@");
        }

        private static boolean isHttpUrl(String url) {
            try {
                URI uri = URI.create(url.replace("{", "%7B").replace("}", "%7D"));
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    /**
     * Upstream credentials: {@code none}, {@code bearer} (token), {@code basic} (username,
     * password) or {@code oauth2} (client credentials: token-uri, client-id, client-secret, scope).
     */
    public record Auth(
            @DefaultValue("none") String type,
            @Nullable String token,
            @Nullable String username,
            @Nullable String password,
            @Nullable String tokenUri,
            @Nullable String clientId,
            @Nullable String clientSecret,
            @Nullable String scope) {

        void check(String prefix, List<String> problems) {
            switch (type.toLowerCase(Locale.ROOT)) {
                case "none" -> {}
                case "bearer" -> required(problems, prefix + ".token", token);
                case "basic" -> {
                    required(problems, prefix + ".username", username);
                    required(problems, prefix + ".password", password);
                }
                case "oauth2" -> {
                    required(problems, prefix + ".token-uri", tokenUri);
                    required(problems, prefix + ".client-id", clientId);
                    required(problems, prefix + ".client-secret", clientSecret);
                    if (tokenUri != null && !UpstreamProperties.isHttpUrl(tokenUri)) {
                        problems.add(prefix + ".token-uri must be an http or https URL");
                    }
                }
                default -> problems.add(prefix + ".type must be one of none, bearer, basic, oauth2: " + type);
            }
        }

        /** Never prints a secret. */
        @Override
        public String toString() {
            return "Auth[type=" + type + "]";
        }
    }

    /**
     * Reconnection delays: attempt n waits {@code initial × multiplier^(n-1)}, at most {@code max},
     * minus up to half of it at random.
     */
    public record Backoff(
            @DefaultValue("250ms") Duration initial,
            @DefaultValue("30s") Duration max,
            @DefaultValue("2.0") double multiplier) {

        void check(String prefix, List<String> problems) {
            positive(problems, prefix + ".initial", initial);
            if (max.compareTo(initial) < 0) {
                problems.add(prefix + ".max must not be below " + prefix + ".initial");
            }
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                problems.add(prefix + ".multiplier must be >= 1: " + multiplier);
            }
        }
    }

    /**
     * Fan-out to subscribers.
     *
     * @param subscriberQueue events a subscriber may fall behind before it is sent {@code lagged}
     *     and disconnected
     * @param sessionGrace how long an upstream session outlives its last subscriber
     * @param heartbeatInterval an SSE comment is sent this often while a stream is idle
     * @param retry the reconnection delay advertised to EventSource clients ({@code retry:})
     * @param laggedCloseTimeout how long a lagged subscriber may take to read its {@code lagged}
     *     event before its connection is closed
     * @param journalBatch the most notifications journaled in one append (at most {@code
     *     subscriberQueue}: a batch reaches each subscriber at once)
     */
    public record Fanout(
            @DefaultValue("4096") int subscriberQueue,
            @DefaultValue("30s") Duration sessionGrace,
            @DefaultValue("15s") Duration heartbeatInterval,
            @DefaultValue("2s") Duration retry,
            @DefaultValue("10s") Duration laggedCloseTimeout,
            @DefaultValue("1024") int journalBatch) {

        void check(List<String> problems) {
            positive(problems, "watchgate.fanout.subscriber-queue", subscriberQueue);
            if (sessionGrace.isNegative()) {
                problems.add("watchgate.fanout.session-grace must not be negative");
            }
            positive(problems, "watchgate.fanout.heartbeat-interval", heartbeatInterval);
            positive(problems, "watchgate.fanout.retry", retry);
            positive(problems, "watchgate.fanout.lagged-close-timeout", laggedCloseTimeout);
            positive(problems, "watchgate.fanout.journal-batch", journalBatch);
            if (journalBatch > subscriberQueue) {
                // one batch reaches every subscriber at once: it would cut them all off
                problems.add("watchgate.fanout.journal-batch must not exceed watchgate.fanout.subscriber-queue ("
                        + subscriberQueue + "), was " + journalBatch);
            }
        }
    }

    /**
     * The journal that resuming subscribers are served from.
     *
     * @param retention how long a notification is kept
     * @param maxEntries the most notifications kept per session
     * @param purgeInterval how often expired notifications are removed
     */
    public record Journal(
            @DefaultValue("24h") Duration retention,
            @DefaultValue("100000") int maxEntries,
            @DefaultValue("1m") Duration purgeInterval) {

        void check(List<String> problems) {
            positive(problems, "watchgate.journal.retention", retention);
            positive(problems, "watchgate.journal.max-entries", maxEntries);
            positive(problems, "watchgate.journal.purge-interval", purgeInterval);
        }
    }

    /**
     * The meters.
     *
     * @param sessionLabels whether to publish per-session meters labelled with the session key
     *     ({@code watchgate_session_*}); off by default, as every session adds series
     */
    public record Metrics(@DefaultValue("false") boolean sessionLabels) {}

    /**
     * The admin API.
     *
     * @param token the bearer token it requires, without surrounding whitespace (stripped here,
     *     once: what is checked is what requests are compared with); empty: the admin API is off
     * @param snapshotInterval how often the admin event stream sends a full snapshot
     */
    public record Admin(
            @DefaultValue("") String token,
            @DefaultValue("2s") Duration snapshotInterval) {

        /** The shortest token accepted: a guessable token would open every session to anyone. */
        static final int MIN_TOKEN_LENGTH = 16;

        public Admin {
            token = token.strip();
        }

        /** Whether the admin API is on. */
        public boolean enabled() {
            return !token.isEmpty();
        }

        void check(List<String> problems) {
            if (enabled() && token.length() < MIN_TOKEN_LENGTH) {
                problems.add("watchgate.admin.token must be at least " + MIN_TOKEN_LENGTH + " characters long");
            }
            positive(problems, "watchgate.admin.snapshot-interval", snapshotInterval);
        }

        /** Never prints the token. */
        @Override
        public String toString() {
            return "Admin[token=" + (token.isEmpty() ? "" : "****") + ", snapshotInterval=" + snapshotInterval + "]";
        }
    }

    /**
     * Cross-origin access for browsers.
     *
     * @param allowedOrigins origins allowed to open streams and publish ({@code *}: any)
     */
    public record Cors(@DefaultValue("*") List<String> allowedOrigins) {}

    private static void required(List<String> problems, String key, @Nullable String value) {
        if (value == null || value.isBlank()) {
            problems.add(key + " is required");
        }
    }

    private static void positive(List<String> problems, String key, int value) {
        if (value < 1) {
            problems.add(key + " must be at least 1, was " + value);
        }
    }

    private static void positive(List<String> problems, String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(key + " must be positive, was " + value);
        }
    }
}
