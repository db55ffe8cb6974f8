/**
 * The watch session: a pure state machine ({@link io.watchgate.core.session.SessionMachine}) and the
 * supervisor that performs its I/O ({@link io.watchgate.core.session.SessionSupervisor}).
 */
@NullMarked
package io.watchgate.core.session;

import org.jspecify.annotations.NullMarked;
