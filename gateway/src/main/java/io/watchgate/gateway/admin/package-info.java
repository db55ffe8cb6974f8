/**
 * The operator surface: the admin API under {@code /admin} (sessions, subscribers, actions, event
 * streams) and the operator page at {@code /admin/ui}.
 */
@NullMarked
package io.watchgate.gateway.admin;

import org.jspecify.annotations.NullMarked;
