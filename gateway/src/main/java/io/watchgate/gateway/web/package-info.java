/** Cross-cutting HTTP concerns: request ids, JSON errors, CORS. */
@NullMarked
package io.watchgate.gateway.web;

import org.jspecify.annotations.NullMarked;
