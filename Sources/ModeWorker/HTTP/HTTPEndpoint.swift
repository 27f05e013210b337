import Logging
import ModeConsole
import ModeThreads
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server for the Worker's probes and metrics (`/healthz`, `/readyz`, `/metrics`) and its
/// web view (`/debug/`, a ``Subtree``).
///
/// Like the debug console it owns its thread: one event loop (`mode-http`) that does the I/O and runs the
/// routes; subtrees run on a second thread (`mode-http-cmd`), one request at a time. Routes are synchronous and read state behind locks, never awaiting the service tree, so the
/// endpoint answers while every thread the process runs its tasks on is blocked.
///
/// ```swift
/// let endpoint = HTTPEndpoint(configuration: .init(port: 0), routes: [
///     "/healthz": { HTTPEndpointResponse(status: .ok, body: "ok\n") },
/// ])
/// let address = try endpoint.start()   // 127.0.0.1:<port>
/// endpoint.shutdown()
/// ```
///
/// One request per connection (every answer carries `Connection: close`); `GET` only on the plain routes
/// (405 otherwise; a ``Subtree`` checks its own methods); no request bodies (413); a request head of at most ``Configuration/maxHeadBytes`` (431); a malformed request
/// gets 400, an unknown path 404, a missing or wrong bearer token 401; at most
/// ``Configuration/maxConnections`` connections (503 beyond); idle connections are closed.
package final class HTTPEndpoint: Sendable {
    private enum State {
        case idle
        case running(group: MultiThreadedEventLoopGroup, channel: any Channel, commandThread: NIOThreadPool?)
        case stopped
    }

    package let configuration: Configuration
    let routes: [String: @Sendable () -> HTTPEndpointResponse]
    let subtrees: [Subtree]
    let logger: Logger
    private let state = Mutex(State.idle)
    private let connections = Mutex(0)
    private let openChannels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let boundAddress = Mutex<SocketAddress?>(nil)

    package init(
        configuration: Configuration, routes: [String: @Sendable () -> HTTPEndpointResponse],
        subtrees: [Subtree] = [], logger: Logger = Logger(label: "mode.http")
    ) {
        self.configuration = configuration
        self.routes = routes
        self.subtrees = subtrees
        self.logger = logger
    }

    /// The bound address once started (with the real port when ``Configuration/port`` is 0).
    package var localAddress: SocketAddress? { boundAddress.withLock { $0 } }

    /// Connections open right now.
    package var openConnections: Int { connections.withLock { $0 } }

    /// Binds the socket and starts the endpoint's thread; blocks until bound.
    ///
    /// - Throws: ``HTTPEndpointError`` when the address cannot be bound or the endpoint was started before.
    @discardableResult
    package func start() throws -> SocketAddress {
        let claimed = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .stopped
            return true
        }
        guard claimed else { throw HTTPEndpointError("the HTTP endpoint was already started") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // The subtrees' handlers run here, one at a time, so a slow one never holds the event loop.
        let commandThread = subtrees.isEmpty ? nil : NIOThreadPool(numberOfThreads: 1)
        let channel: any Channel
        do {
            try group.next().submit { OwnedThread.nameCurrentThread("mode-http") }.wait()
            if let commandThread {
                commandThread.start()
                try commandThread.runIfActive(eventLoop: group.next()) { OwnedThread.nameCurrentThread("mode-http-cmd") }
                    .wait()
            }
            channel = try makeBootstrap(group: group, commandThread: commandThread)
                .bind(host: configuration.host, port: configuration.port).wait()
        } catch {
            try? commandThread?.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw HTTPEndpointError(
                "cannot listen on \(configuration.host):\(configuration.port): "
                    + DebugConsole.describe(bindError: error))
        }
        guard let address = channel.localAddress else {
            try? channel.close().wait()
            try? commandThread?.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw HTTPEndpointError("the HTTP endpoint's socket has no local address")
        }
        boundAddress.withLock { $0 = address }
        state.withLock { $0 = .running(group: group, channel: channel, commandThread: commandThread) }
        return address
    }

    /// Closes the socket and every connection, then stops the thread. Idempotent.
    package func shutdown() {
        let running: (MultiThreadedEventLoopGroup, any Channel, NIOThreadPool?)? = state.withLock { state in
            defer { state = .stopped }
            guard case .running(let group, let channel, let commandThread) = state else { return nil }
            return (group, channel, commandThread)
        }
        guard let (group, channel, commandThread) = running else { return }
        try? channel.close().wait()
        let open = openChannels.withLock { Array($0.values) }
        for connection in open { try? connection.close().wait() }
        try? commandThread?.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }

    private func makeBootstrap(group: MultiThreadedEventLoopGroup, commandThread: NIOThreadPool?) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in self.initialize(channel, commandThread: commandThread) }
    }

    private func initialize(_ channel: any Channel, commandThread: NIOThreadPool?) -> EventLoopFuture<Void> {
        let limit = configuration.maxConnections
        let admitted = connections.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
            logger.notice("HTTP endpoint rejected a connection: too many connections",
                          metadata: ["mode.http.peer": "\(peer)", "mode.http.max_connections": "\(limit)"])
            let answer = HTTPEndpointResponse.error(.serviceUnavailable, "too many connections (max \(limit))")
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RejectingHandler(message: answer.rawHTTP))
            }
        }
        let key = ObjectIdentifier(channel)
        openChannels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.connections.withLock { $0 -= 1 }
            self.openChannels.withLock { $0[key] = nil }
        }
        let configuration = self.configuration
        let routes = self.routes
        let subtrees = self.subtrees
        return channel.eventLoop.makeCompletedFuture {
            let limiter = HTTPHeadLimiter(maxBytes: configuration.maxHeadBytes)
            try channel.pipeline.syncOperations.addHandlers(
                IdleStateHandler(readTimeout: TimeAmount(configuration.idleTimeout)),
                limiter,
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
                HTTPResponseEncoder(),
                HTTPEndpointHandler(
                    token: configuration.token, routes: routes, subtrees: subtrees, commandThread: commandThread,
                    limiter: limiter)
            )
        }
    }
}

/// Why the HTTP endpoint could not start, in one clause (`cannot listen on 127.0.0.1:9090: address already
/// in use (errno 98)`).
package struct HTTPEndpointError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
