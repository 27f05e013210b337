import ModeConsole
import NIOCore
import NIOHTTP1

/// Answers one request per connection from the endpoint's routes, then half-closes the connection (the
/// client's close, or the idle timeout, ends it).
///
/// Checks, in order: a malformed request (400), a request body (413), the bearer token when one is set
/// (401), the method (405 unless `GET`), the path (404).
final class HTTPEndpointHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let token: [UInt8]?
    private let routes: [String: @Sendable () -> HTTPEndpointResponse]
    private let limiter: HTTPHeadLimiter
    private var answered = false

    init(token: String?, routes: [String: @Sendable () -> HTTPEndpointResponse], limiter: HTTPHeadLimiter) {
        self.token = token.map { Array($0.utf8) }
        self.routes = routes
        self.limiter = limiter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered, case .head(let head) = unwrapInboundIn(data) else { return }
        limiter.headReceived()
        respond(answer(to: head), context: context)
    }

    /// The answer for one request head (pure: no I/O).
    func answer(to head: HTTPRequestHead) -> HTTPEndpointResponse {
        let length = head.headers["content-length"].first.flatMap { Int($0) } ?? 0
        if length > 0 || head.headers.contains(name: "transfer-encoding") {
            return .error(.payloadTooLarge, "this endpoint accepts no request body")
        }
        if let token, !Self.authorized(head.headers, token: token) {
            return .error(.unauthorized, "send Authorization: Bearer <MODE_HTTP_TOKEN>",
                          headers: [("WWW-Authenticate", "Bearer realm=\"mode\"")])
        }
        let path = String(head.uri.prefix { $0 != "?" })
        guard head.method == .GET else {
            return .error(.methodNotAllowed, "\(head.method.rawValue) \(path); only GET is served",
                          headers: [("Allow", "GET")])
        }
        guard let route = routes[path] else {
            let known = routes.keys.sorted().joined(separator: ", ")
            return .error(.notFound, "\(path) (served: \(known))")
        }
        return route()
    }

    static func authorized(_ headers: HTTPHeaders, token: [UInt8]) -> Bool {
        guard let value = headers["authorization"].first else { return false }
        let prefix = "bearer "
        guard value.count > prefix.count, value.lowercased().hasPrefix(prefix) else { return false }
        let presented = Array(value.dropFirst(prefix.count).utf8)
        return ConsoleAuthenticator.constantTimeEquals(presented, token)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !answered, error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        respond(.error(.badRequest, "malformed HTTP request (\(error))"), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func respond(_ response: HTTPEndpointResponse, context: ChannelHandlerContext) {
        answered = true
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))),
                      promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            // Half-close: the client reads the whole answer and closes; see HTTPHeadLimiter.
            context.close(mode: .output, promise: nil)
        }
    }
}
