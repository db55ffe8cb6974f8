package io.watchgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.watchgate.gateway.config.WatchgateProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdminAccessTests {

    private final AdminAccess access = new AdminAccess("a-long-admin-token-0123");

    @Test
    void onlyTheExactBearerTokenIsAllowed() {
        assertThat(access.allows("Bearer a-long-admin-token-0123")).isTrue();
        assertThat(access.allows("bearer a-long-admin-token-0123")).isTrue();
        assertThat(access.allows("Bearer a-long-admin-token-012")).isFalse();
        assertThat(access.allows("Bearer a-long-admin-token-01234")).isFalse();
        assertThat(access.allows("Basic a-long-admin-token-0123")).isFalse();
        assertThat(access.allows("a-long-admin-token-0123")).isFalse();
        assertThat(access.allows("Bearer ")).isFalse();
        assertThat(access.allows(null)).isFalse();
    }

    @Test
    void theConfiguredTokenIsStrippedOnceAndThatValueIsCheckedAndCompared() {
        WatchgateProperties.Admin admin =
                new WatchgateProperties.Admin(" \ta-long-admin-token-0123\n", Duration.ofSeconds(2));
        assertThat(admin.token()).isEqualTo("a-long-admin-token-0123");
        assertThat(new AdminAccess(admin.token()).allows("Bearer a-long-admin-token-0123"))
                .isTrue();

        WatchgateProperties.Admin blank = new WatchgateProperties.Admin("   ", Duration.ofSeconds(2));
        assertThat(blank.enabled()).isFalse();
        assertThat(new AdminAccess(blank.token()).allows("Bearer ")).isFalse();
    }

    @Test
    void withoutATokenNothingIsAllowed() {
        assertThat(new AdminAccess("").allows("Bearer ")).isFalse();
    }
}
