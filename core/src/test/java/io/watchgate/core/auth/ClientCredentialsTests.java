package io.watchgate.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientCredentialsTests {

    private static final URI TOKEN_URI = URI.create("https://idp.example.org/oauth/token");

    @Test
    void ofAppliesTheDefaults() {
        ClientCredentials config = ClientCredentials.of(TOKEN_URI, "watchgate", "s3cret");

        assertThat(config.tokenUri()).isEqualTo(TOKEN_URI);
        assertThat(config.clientId()).isEqualTo("watchgate");
        assertThat(config.clientSecret()).isEqualTo("s3cret");
        assertThat(config.scope()).isNull();
        assertThat(config.expirySkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void withersReplaceOneComponent() {
        ClientCredentials config = ClientCredentials.of(TOKEN_URI, "watchgate", "s3cret")
                .withScope(" read write ")
                .withExpirySkew(Duration.ZERO)
                .withTimeout(Duration.ofMillis(300));

        assertThat(config)
                .isEqualTo(new ClientCredentials(
                        TOKEN_URI, "watchgate", "s3cret", "read write", Duration.ZERO, Duration.ofMillis(300)));
        assertThat(config.withScope("  ").scope()).isNull();
        assertThat(config.withScope(null).scope()).isNull();
    }

    @Test
    void toStringHidesTheSecretAndUriSecrets() {
        ClientCredentials config = ClientCredentials.of(
                URI.create("https://user:pw@idp.example.org:8443/token?key=k1"), "watchgate", "s3cret");

        assertThat(config.toString())
                .isEqualTo("ClientCredentials[tokenUri=https://idp.example.org:8443/token, clientId=watchgate,"
                        + " clientSecret=<redacted>, scope=null, expirySkew=PT30S, timeout=PT10S]");
        assertThat(AuthProvider.clientCredentials(config).describe())
                .isEqualTo("oauth2 client-credentials (https://idp.example.org:8443/token)");
    }

    @Test
    void rejectsInvalidComponents() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClientCredentials.of(URI.create("/token"), "id", "secret"));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClientCredentials.of(URI.create("ftp://idp/token"), "id", "secret"));
        assertThatIllegalArgumentException().isThrownBy(() -> ClientCredentials.of(TOKEN_URI, " ", "secret"));
        assertThatIllegalArgumentException().isThrownBy(() -> ClientCredentials.of(TOKEN_URI, "id", ""));
        ClientCredentials config = ClientCredentials.of(TOKEN_URI, "id", "secret");
        assertThatIllegalArgumentException().isThrownBy(() -> config.withExpirySkew(Duration.ofSeconds(-1)));
        assertThatIllegalArgumentException().isThrownBy(() -> config.withTimeout(Duration.ZERO));
    }
}
