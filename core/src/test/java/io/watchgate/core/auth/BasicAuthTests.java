package io.watchgate.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class BasicAuthTests {

    @Test
    void encodesUserAndPassword() {
        // RFC 7617, section 2.
        AuthProvider auth = AuthProvider.basic("Aladdin", "open sesame");

        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
                .verifyComplete();
        assertThat(auth.describe()).isEqualTo("basic");
        assertThat(auth.toString()).doesNotContain("sesame");
    }

    @Test
    void encodesNonAsciiAsUtf8() {
        // RFC 7617, section 2.1: "test" / "123£" with charset UTF-8.
        StepVerifier.create(AuthProvider.basic("test", "123\u00a3").headers())
                .expectNext(Map.of("Authorization", "Basic dGVzdDoxMjPCow=="))
                .verifyComplete();
        // "jos\u00e9" : "p\u00e4ss:w\u00f6rd" (a colon in the password is allowed).
        StepVerifier.create(
                        AuthProvider.basic("jos\u00e9", "p\u00e4ss:w\u00f6rd").headers())
                .expectNext(Map.of("Authorization", "Basic am9zw6k6cMOkc3M6d8O2cmQ="))
                .verifyComplete();
    }

    @Test
    void refreshDoesNothing() {
        AuthProvider auth = AuthProvider.basic("u", "p");

        StepVerifier.create(auth.refresh()).verifyComplete();
        StepVerifier.create(auth.headers())
                .expectNext(Map.of("Authorization", "Basic dTpw"))
                .verifyComplete();
    }

    @Test
    void rejectsAColonInTheUserId() {
        assertThatIllegalArgumentException().isThrownBy(() -> AuthProvider.basic("a:b", "p"));
    }

    @Test
    void noneGivesNoHeaders() {
        AuthProvider none = AuthProvider.none();

        StepVerifier.create(none.headers()).expectNext(Map.of()).verifyComplete();
        StepVerifier.create(none.refresh()).verifyComplete();
        assertThat(none.describe()).isEqualTo("none");
        assertThat(AuthProvider.none()).isSameAs(none);
    }
}
