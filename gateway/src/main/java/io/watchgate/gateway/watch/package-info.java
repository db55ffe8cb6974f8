/** {@code GET /watch/{upstream}}: the EventSource-friendly SSE endpoint. */
@NullMarked
package io.watchgate.gateway.watch;

import org.jspecify.annotations.NullMarked;
