package io.watchgate.gateway.admin;

import io.watchgate.core.SessionSnapshot;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.WatchSession;
import io.watchgate.core.cursor.Checkpoint;
import io.watchgate.gateway.web.GatewayException;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A validated request to move a session's cursor: {@code {"cursor":"N"}} (a string, or a number).
 * For an aviso upstream the cursor is a sequence number, alone or as aviso's notification id
 * ({@code 42} or {@code mars@42}; {@code 0}: from the first notification); for an SSE upstream it is
 * the event id to resume after.
 *
 * @param cursor the cursor
 * @param sequence its sequence, when it is a number
 */
record CursorMove(String cursor, OptionalLong sequence) {

    /** The longest cursor accepted. */
    static final int MAX_LENGTH = 1024;

    static CursorMove parse(byte[] body, JsonMapper json, WatchRequest request) {
        JsonNode root;
        try {
            root = body.length == 0 ? null : json.readTree(body);
        } catch (JacksonException e) {
            throw invalid("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.has("cursor")) {
            throw invalid("the body must be a JSON object with a \"cursor\", e.g. {\"cursor\":\"42\"}");
        }
        JsonNode value = root.get("cursor");
        String cursor;
        if (value.isString()) {
            cursor = value.asString();
        } else if (value.isIntegralNumber() && value.canConvertToLong()) {
            cursor = Long.toString(value.asLong());
        } else {
            throw invalid("\"cursor\" must be a string or an integer");
        }
        if (cursor.isEmpty() || cursor.length() > MAX_LENGTH) {
            throw invalid("\"cursor\" must hold 1 to " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < cursor.length(); i++) {
            if (Character.isISOControl(cursor.charAt(i))) {
                throw invalid("\"cursor\" must not contain control characters");
            }
        }
        if (request instanceof WatchRequest.AvisoRequest aviso) {
            // aviso's cursors are CloudEvent ids, <event type>@<sequence>: either form is accepted
            OptionalLong sequence = sequence(cursor.substring(cursor.lastIndexOf('@') + 1));
            if (sequence.isEmpty()) {
                throw invalid("an aviso cursor is a sequence number (0 or more), got \"" + cursor + "\"");
            }
            return new CursorMove(aviso.eventType() + "@" + sequence.getAsLong(), sequence);
        }
        return new CursorMove(cursor, sequence(cursor));
    }

    /** The checkpoint to move to, in this epoch. */
    Checkpoint checkpoint(long epoch) {
        return new Checkpoint(cursor, sequence, epoch);
    }

    /** The newest epoch the upstream session knows of. */
    long epochOf(WatchSession session) {
        SessionSnapshot snapshot = session.snapshot();
        long position = snapshot.position() == null ? 0 : snapshot.position().epoch();
        long committed = snapshot.committed() == null ? 0 : snapshot.committed().epoch();
        return Math.max(position, committed);
    }

    private static OptionalLong sequence(String cursor) {
        if (cursor.length() > 18) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < cursor.length(); i++) {
            if (cursor.charAt(i) < '0' || cursor.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(cursor));
    }

    private static GatewayException invalid(String message) {
        return GatewayException.badRequest("INVALID_CURSOR", message);
    }
}
