package io.watchgate.gateway.config;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import io.micrometer.core.instrument.MeterRegistry;
import io.watchgate.gateway.admin.AdminApi;
import io.watchgate.gateway.aviso.AvisoStreamHandler;
import io.watchgate.gateway.health.SessionsHealth;
import io.watchgate.gateway.health.StoreHealth;
import io.watchgate.gateway.hub.SessionHub;
import io.watchgate.gateway.local.LocalOrigin;
import io.watchgate.gateway.local.NotificationHandler;
import io.watchgate.gateway.metrics.GatewayMetrics;
import io.watchgate.gateway.metrics.StreamObservations;
import io.watchgate.gateway.upstream.UpstreamClients;
import io.watchgate.gateway.watch.SessionTargets;
import io.watchgate.gateway.watch.WatchHandler;
import io.watchgate.gateway.web.JsonErrors;
import io.watchgate.gateway.web.RequestIds;
import io.watchgate.store.WatchgateStore;
import io.watchgate.store.journal.JournalRetention;
import io.watchgate.store.sql.PoolSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsWebFilter;
import org.springframework.web.cors.reactive.UrlBasedCorsConfigurationSource;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/** The gateway's parts, built from {@link WatchgateProperties}. */
@Configuration(proxyBeanMethods = false)
class GatewayConfiguration {

    @Bean
    Clock watchgateClock() {
        return Clock.systemUTC();
    }

    /**
     * The web server's own event loops and connection pool: stopping the gateway must not dispose
     * Reactor Netty's process-wide resources, which other users in the JVM (an embedding
     * application, the tests' upstreams) may still run on.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory resources = new ReactorResourceFactory();
        resources.setUseGlobalResources(false);
        resources.setShutdownQuietPeriod(Duration.ZERO);
        return resources;
    }

    @Bean
    Scheduler watchgateTimer() {
        return Schedulers.parallel();
    }

    @Bean(destroyMethod = "close")
    WatchgateStore watchgateStore(WatchgateProperties properties, Clock clock) {
        PoolSettings pool = PoolSettings.DEFAULT;
        JournalRetention retention = JournalRetention.DEFAULT;
        return WatchgateStore.builder(properties.store().url())
                .pool(new PoolSettings(
                        properties.store().poolSize(), pool.acquireTimeout(), pool.retries(), pool.retryBackoff()))
                .retention(new JournalRetention(
                        properties.journal().retention(), properties.journal().maxEntries(), retention.batchSize()))
                .purgeInterval(properties.journal().purgeInterval())
                .clock(clock)
                .open();
    }

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry, WatchgateProperties properties) {
        GatewayMetrics metrics =
                new GatewayMetrics(registry, properties.metrics().sessionLabels());
        List<String> upstreams = new ArrayList<>(properties.upstreams().keySet());
        upstreams.add(WatchgateProperties.LOCAL);
        metrics.upstreams(upstreams);
        return metrics;
    }

    @Bean(destroyMethod = "close")
    UpstreamClients upstreamClients(WatchgateProperties properties, WatchgateStore store, GatewayMetrics metrics) {
        return new UpstreamClients(properties, store, metrics);
    }

    @Bean
    SessionHub sessionHub(
            WatchgateProperties properties,
            WatchgateStore store,
            Scheduler watchgateTimer,
            Clock clock,
            GatewayMetrics metrics) {
        SessionHub hub = new SessionHub(store, properties.fanout().sessionGrace(), watchgateTimer, clock, metrics);
        metrics.bind(hub);
        return hub;
    }

    @Bean
    AdminApi adminApi(WatchgateProperties properties, SessionHub hub, JsonMapper json, Scheduler watchgateTimer) {
        return new AdminApi(hub, properties.admin(), json, properties.fanout().heartbeatInterval(), watchgateTimer);
    }

    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminApi admin) {
        return admin.routes();
    }

    /** Health component {@code store}. */
    @Bean
    StoreHealth storeHealthIndicator(WatchgateStore store) {
        return new StoreHealth(store);
    }

    /** Health component {@code sessions}. */
    @Bean
    SessionsHealth sessionsHealthIndicator(SessionHub hub) {
        return new SessionsHealth(hub);
    }

    /** {@code /actuator/info}: the configured upstreams and the store, never their credentials or URLs. */
    @Bean
    InfoContributor watchgateInfo(WatchgateProperties properties, WatchgateStore store) {
        Map<String, String> upstreams = new TreeMap<>();
        properties
                .upstreams()
                .forEach((name, upstream) ->
                        upstreams.put(name, String.valueOf(upstream.protocol()).toLowerCase(Locale.ROOT)));
        Map<String, Object> details = Map.of(
                "upstreams", upstreams,
                "store", store.dialect().name().toLowerCase(Locale.ROOT),
                "admin_api", properties.admin().enabled());
        return builder -> builder.withDetail("watchgate", details);
    }

    @Bean
    LocalOrigin localOrigin(WatchgateProperties properties, SessionHub hub, Clock clock, JsonMapper json) {
        return new LocalOrigin(hub, clock, json, properties.fanout().journalBatch());
    }

    @Bean
    SessionTargets sessionTargets(UpstreamClients upstreams, LocalOrigin local) {
        return new SessionTargets(upstreams, local);
    }

    @Bean
    WatchHandler watchHandler(
            WatchgateProperties properties,
            SessionHub hub,
            SessionTargets targets,
            JsonMapper json,
            Scheduler watchgateTimer) {
        return new WatchHandler(hub, targets, properties.fanout(), json, watchgateTimer);
    }

    @Bean
    AvisoStreamHandler avisoStreamHandler(
            WatchgateProperties properties,
            SessionHub hub,
            SessionTargets targets,
            JsonMapper json,
            Clock clock,
            Scheduler watchgateTimer) {
        return new AvisoStreamHandler(hub, targets, properties.fanout(), json, clock, watchgateTimer);
    }

    @Bean
    NotificationHandler notificationHandler(LocalOrigin local, JsonMapper json, Clock clock) {
        return new NotificationHandler(local, json, clock);
    }

    @Bean
    GatewayLifecycle gatewayLifecycle(
            WatchgateProperties properties, SessionHub hub, UpstreamClients upstreams, WatchHandler watch) {
        return new GatewayLifecycle(properties, hub, upstreams, watch);
    }

    @Bean
    RouterFunction<ServerResponse> watchgateRoutes(
            WatchHandler watch, AvisoStreamHandler aviso, NotificationHandler notifications) {
        return RouterFunctions.route(GET("/watch/{upstream}"), watch::watch)
                .andRoute(POST("/api/v1/watch"), aviso::watch)
                .andRoute(POST("/api/v1/replay"), aviso::replay)
                .andRoute(POST("/api/v1/notification"), notifications::notify);
    }

    @Bean
    StreamObservations streamObservations() {
        return new StreamObservations();
    }

    @Bean
    RequestIds requestIds() {
        return new RequestIds();
    }

    @Bean
    JsonErrors jsonErrors(JsonMapper json) {
        return new JsonErrors(json);
    }

    @Bean
    CorsWebFilter corsWebFilter(WatchgateProperties properties) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOriginPatterns(properties.cors().allowedOrigins());
        cors.addAllowedMethod("GET");
        cors.addAllowedMethod("POST");
        cors.addAllowedHeader("*");
        cors.addExposedHeader(RequestIds.HEADER);
        cors.setMaxAge(Duration.ofHours(1));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/watch/**", cors);
        source.registerCorsConfiguration("/api/**", cors);
        return new CorsWebFilter(source);
    }
}
