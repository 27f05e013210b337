import NIOCore

/// Answers a connection the console (or the Worker's HTTP endpoint) cannot serve (too many clients) with one
/// message, then closes it.
package final class RejectingHandler: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private let message: String

    package init(message: String) {
        self.message = message
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { reject(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        reject(context: context)
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private var rejected = false

    private func reject(context: ChannelHandlerContext) {
        guard !rejected else { return }
        rejected = true
        let buffer = context.channel.allocator.buffer(string: message)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
