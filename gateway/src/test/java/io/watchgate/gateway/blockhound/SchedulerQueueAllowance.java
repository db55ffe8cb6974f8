package io.watchgate.gateway.blockhound;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Reactor's shared schedulers remove a cancelled task from their delay queue under the queue's
 * short lock (a {@code timeout} that completed, an interval that was cancelled, on an event loop);
 * BlockHound sees the rare contended park as blocking. Reactor allows the same lock when a task is
 * offered or taken; removing it is the same short critical section, not a blocking call of ours.
 */
public final class SchedulerQueueAllowance implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(ScheduledThreadPoolExecutor.class.getName() + "$DelayedWorkQueue", "remove");
    }
}
