import NIOCore
import NIOHTTP1

/// Bounds the bytes a client may send before its request head is complete: beyond the limit it answers 431
/// and closes, before the decoder buffers more. (NIO's decoder allows 80 KiB of headers.)
///
/// Sits before the HTTP decoder; ``HTTPEndpointHandler`` calls ``headReceived()`` when the head is decoded,
/// from the same event loop. An answer is followed by a half-close (FIN), so the client reads it whole even
/// when it is still sending (a full close with unread bytes would reset the connection and could lose the
/// answer); bytes that follow are dropped, and beyond ``drainBytes`` more the connection is closed.
final class HTTPHeadLimiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes still read and dropped after an answer before the connection is closed outright.
    static let drainBytes = 64 * 1024

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
        received += unwrapInboundIn(data).readableBytes
        if rejected || headComplete, received > maxBytes + Self.drainBytes {
            context.close(promise: nil)
            return
        }
        if rejected { return }
        if !headComplete {
            if received > maxBytes {
                rejected = true
                let answer = HTTPEndpointResponse.error(
                    .requestHeaderFieldsTooLarge, "the request head exceeds \(maxBytes) bytes")
                let buffer = context.channel.allocator.buffer(string: answer.rawHTTP)
                context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                    context.close(mode: .output, promise: nil)
                }
                return
            }
        }
        context.fireChannelRead(data)
    }
}
