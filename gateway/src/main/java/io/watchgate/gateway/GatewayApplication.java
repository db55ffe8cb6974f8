package io.watchgate.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Watchgate gateway: shared upstream watch sessions fanned out to SSE subscribers. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

    /**
     * How many frames Reactor Netty takes ahead from a response body (its default is 128): each
     * open stream holds a queue of this size, which for thousands of idle subscribers is memory
     * held for nothing; a burst is still written in batches of this many. A {@code -D} option of
     * the same name overrides it.
     */
    static final String SEND_PREFETCH = "reactor.netty.send.maxPrefetchSize";

    /** Starts the gateway. */
    public static void main(String[] args) {
        if (System.getProperty(SEND_PREFETCH) == null) {
            System.setProperty(SEND_PREFETCH, "32");
        }
        SpringApplication.run(GatewayApplication.class, args);
    }
}
