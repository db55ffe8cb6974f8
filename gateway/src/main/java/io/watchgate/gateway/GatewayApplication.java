package io.watchgate.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Watchgate gateway: shared upstream watch sessions fanned out to SSE subscribers. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

    /** Starts the gateway. */
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
