import ModeConsole
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers one request per connection from the endpoint's routes, then half-closes the connection (the
/// client's close, or the idle timeout, ends it).
///
/// Checks, in order: a malformed request (400), a request body (413), the token when one is set (401),
/// then the path: a plain route (405 unless `GET`), a subtree (its handler, on the command thread), else 404.
final class HTTPEndpointHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What to send: an answer now, or one to compute on the command thread first.
    enum Answer {
        case now(HTTPEndpointResponse)
        case later(@Sendable () -> HTTPEndpointResponse)
    }

    private let token: [UInt8]?
    private let routes: [String: @Sendable () -> HTTPEndpointResponse]
    private let subtrees: [HTTPEndpoint.Subtree]
    private let commandThread: NIOThreadPool?
    private let limiter: HTTPHeadLimiter
    private var answered = false

    init(
        token: String?, routes: [String: @Sendable () -> HTTPEndpointResponse], subtrees: [HTTPEndpoint.Subtree],
        commandThread: NIOThreadPool?, limiter: HTTPHeadLimiter
    ) {
        self.token = token.map { Array($0.utf8) }
        self.routes = routes
        self.subtrees = subtrees
        self.commandThread = commandThread
        self.limiter = limiter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered, case .head(let head) = unwrapInboundIn(data) else { return }
        limiter.headReceived()
        let peer = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        switch answer(to: HTTPEndpointRequest(head: head, peer: peer)) {
        case .now(let response):
            respond(response, context: context)
        case .later(let work):
            answered = true
            guard let commandThread else {
                respond(.error(.serviceUnavailable, "the endpoint is stopping"), context: context)
                return
            }
            commandThread.runIfActive(eventLoop: context.eventLoop, work).assumeIsolated().whenComplete { result in
                let response = (try? result.get()) ?? .error(.serviceUnavailable, "the endpoint is stopping")
                self.respond(response, context: context)
            }
        }
    }

    /// The answer for one request head (no I/O; a subtree's work is returned, not run).
    func answer(to request: HTTPEndpointRequest) -> Answer {
        let headers = request.headers
        let length = headers["content-length"].first.flatMap { Int($0) } ?? 0
        if length > 0 || headers.contains(name: "transfer-encoding") {
            return .now(.error(.payloadTooLarge, "this endpoint accepts no request body"))
        }
        let path = request.path
        let subtree = routes[path] == nil ? subtrees.first { $0.matches(path) } : nil
        if let token, !Self.authorized(headers, token: token) {
            let how = subtree == nil ? "" : " (a browser: any user name, the token as the password)"
            return .now(.error(.unauthorized, "send Authorization: Bearer <MODE_HTTP_TOKEN>" + how,
                               headers: [("WWW-Authenticate", subtree?.challenge ?? "Bearer realm=\"mode\"")]))
        }
        if let subtree {
            return .later { subtree.respond(request) }
        }
        guard request.method == .GET else {
            return .now(.error(.methodNotAllowed, "\(request.method.rawValue) \(path); only GET is served",
                               headers: [("Allow", "GET")]))
        }
        guard let route = routes[path] else {
            let known = (Array(routes.keys) + subtrees.map { $0.prefix + "/" }).sorted().joined(separator: ", ")
            return .now(.error(.notFound, "\(path) (served: \(known))"))
        }
        return .now(route())
    }

    /// Whether `Authorization` carries the token, as `Bearer <token>` or as the password of `Basic`.
    static func authorized(_ headers: HTTPHeaders, token: [UInt8]) -> Bool {
        guard let value = headers["authorization"].first,
            let presented = HTTPCredentials.token(fromAuthorization: value)
        else { return false }
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
        guard context.channel.isActive else { return }
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
