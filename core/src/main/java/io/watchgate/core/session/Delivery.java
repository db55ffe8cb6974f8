package io.watchgate.core.session;

import io.watchgate.core.Notification;
import io.watchgate.core.cursor.Checkpoint;

/** A notification on its way to the subscriber, with the checkpoint to commit once it arrived. */
record Delivery(Notification notification, Checkpoint checkpoint) {}
