package io.watchgate.gateway.web;

import org.springframework.http.HttpStatus;

/**
 * A request the gateway answers with an error: its status, a stable code and a message for people.
 * Rendered as {@code {"code","error","message","request_id"}}.
 */
public final class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String code;

    /**
     * @param status the HTTP status
     * @param code a stable, upper-case code ({@code INVALID_REQUEST})
     * @param message what went wrong, for people
     */
    public GatewayException(HttpStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    /** 400 with this code. */
    public static GatewayException badRequest(String code, String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, code, message);
    }

    /** 404 with this code. */
    public static GatewayException notFound(String code, String message) {
        return new GatewayException(HttpStatus.NOT_FOUND, code, message);
    }

    /** The HTTP status. */
    public HttpStatus status() {
        return status;
    }

    @Override
    public String getMessage() {
        String message = super.getMessage();
        return message == null ? code : message;
    }

    /** The stable code. */
    public String code() {
        return code;
    }
}
