package io.watchgate.core;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/** Counts the bytes an upstream connection reads off the wire, then passes them on untouched. */
final class ByteCounter extends ChannelInboundHandlerAdapter {

    /** The handler's name in the channel pipeline. */
    static final String NAME = "watchgate.bytesReceived";

    private final LongConsumer bytesReceived;

    ByteCounter(LongConsumer bytesReceived) {
        this.bytesReceived = bytesReceived;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof ByteBuf bytes) {
            bytesReceived.accept(bytes.readableBytes());
        }
        context.fireChannelRead(message);
    }
}
