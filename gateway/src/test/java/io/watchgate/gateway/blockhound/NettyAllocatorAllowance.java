package io.watchgate.gateway.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty's adaptive allocator briefly takes a {@code StampedLock} when it grows or frees a magazine
 * (while copying a heap frame into a direct buffer on an event loop); BlockHound sees the rare
 * contended park as blocking. It is Netty's own short critical section, not a blocking call of ours.
 */
public final class NettyAllocatorAllowance implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(
                "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "allocate");
    }
}
