import NIOCore
import NIOHTTP1

/// Bounds the bytes a client may send before its request head is complete: beyond the limit it answers 431
/// and closes, before the decoder buffers more. (NIO's decoder allows 80 KiB of headers.)
///
/// Sits before the HTTP decoder; ``HTTPEndpointHandler`` calls ``headReceived()`` when the head is decoded,
/// from the same event loop, and from then on bytes pass uncounted (the handler answers and closes).
final class HTTPHeadLimiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxBytes: Int
    private var received = 0
    private var headComplete = false
    private var rejected = false

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func headReceived() {
        headComplete = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if rejected { return }
        if !headComplete {
            received += unwrapInboundIn(data).readableBytes
            if received > maxBytes {
                rejected = true
                let answer = HTTPEndpointResponse.error(
                    .requestHeaderFieldsTooLarge, "the request head exceeds \(maxBytes) bytes")
                let buffer = context.channel.allocator.buffer(string: answer.rawHTTP)
                context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
                return
            }
        }
        context.fireChannelRead(data)
    }
}
