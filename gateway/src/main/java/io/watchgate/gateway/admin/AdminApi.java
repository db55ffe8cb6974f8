package io.watchgate.gateway.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import io.watchgate.gateway.config.WatchgateProperties;
import io.watchgate.gateway.hub.SessionHub;
import java.time.Duration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API under {@code /admin} (bearer token; off, 404, without one) and the operator page
 * at {@code /admin/ui}.
 */
public final class AdminApi {

    private final AdminAccess access;
    private final AdminHandler handler;
    private final AdminEvents events;
    private final AdminPage page;

    /**
     * @param hub the sessions
     * @param admin the admin settings (token, snapshot interval)
     * @param heartbeatInterval how often idle event streams send a heartbeat
     */
    public AdminApi(
            SessionHub hub,
            WatchgateProperties.Admin admin,
            JsonMapper json,
            Duration heartbeatInterval,
            Scheduler timer) {
        AdminViews views = new AdminViews(hub);
        this.access = new AdminAccess(admin.token());
        this.handler = new AdminHandler(hub, views, json);
        this.events = new AdminEvents(hub, views, json, admin.snapshotInterval(), heartbeatInterval, timer);
        this.page = new AdminPage(admin.enabled());
    }

    /** The routes. */
    public RouterFunction<ServerResponse> routes() {
        RouterFunction<ServerResponse> api = RouterFunctions.route(GET("/admin/sessions"), handler::sessions)
                .andRoute(GET("/admin/sessions/{key}"), handler::session)
                .andRoute(GET("/admin/sessions/{key}/events"), events::session)
                .andRoute(POST("/admin/sessions/{key}/reconnect"), handler::reconnect)
                .andRoute(DELETE("/admin/sessions/{key}"), handler::stop)
                .andRoute(PUT("/admin/sessions/{key}/cursor"), handler::moveCursor)
                .andRoute(GET("/admin/subscribers"), handler::subscribers)
                .andRoute(GET("/admin/events"), events::all)
                .filter(access);
        RouterFunction<ServerResponse> ui = RouterFunctions.route(GET("/admin/ui"), page::index)
                .andRoute(GET("/admin/ui/"), page::index)
                .andRoute(GET("/admin/ui/{file}"), page::file);
        return ui.and(api);
    }
}
