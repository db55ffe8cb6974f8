package io.watchgate.core.auth;

import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Credentials could not be obtained: a token endpoint answered with an error or an unusable
 * response, did not answer in time, or a token supplier produced no usable token.
 *
 * <p>The message never contains a secret or a token. When a token endpoint answered, {@link
 * #status()} holds its status code; {@link #body()} holds the (possibly truncated) body of an error
 * answer. The bodies of successful answers are never kept, as they may contain a token.
 */
public final class AuthException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final @Nullable String body;

    /**
     * An authentication failure without an HTTP answer.
     *
     * @param message what failed, without secrets
     */
    public AuthException(String message) {
        this(message, (Throwable) null);
    }

    /**
     * An authentication failure without an HTTP answer, caused by another error.
     *
     * @param message what failed, without secrets
     * @param cause the underlying error, if any
     */
    public AuthException(String message, @Nullable Throwable cause) {
        super(message, cause);
        this.status = -1;
        this.body = null;
    }

    /**
     * An authentication failure after an HTTP answer.
     *
     * @param message what failed, without secrets
     * @param status the HTTP status code of the answer
     * @param body the body of the answer, or {@code null} if it is not kept
     */
    public AuthException(String message, int status, @Nullable String body) {
        super(message);
        this.status = status;
        this.body = body;
    }

    /**
     * The HTTP status of the answer that caused this failure.
     *
     * @return the status code, empty when there was no HTTP answer
     */
    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /**
     * The body of the error answer that caused this failure.
     *
     * @return the body as text (possibly truncated), empty when there was none or it was not kept
     */
    public Optional<String> body() {
        return Optional.ofNullable(body);
    }
}
