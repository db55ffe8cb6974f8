package io.watchgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

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
    void withoutATokenNothingIsAllowed() {
        assertThat(new AdminAccess("").allows("Bearer ")).isFalse();
    }
}
