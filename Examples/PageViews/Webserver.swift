import Mode
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server (SwiftNIO) on 127.0.0.1:8000.
///
/// - `GET /pageviews/<path>` counts a view of `<path>` and returns `{"path": "/<path>", "count": N}`;
/// - `GET /recent` returns the latest page-view events;
/// - `GET /block?ms=N` blocks its handler's thread for N ms **on purpose**, to demonstrate the stall
///   watchdog (`--blocking-timeout`): never do this in real code.
///
/// Each connection is handled in a task owned by this service, so the console's `ps` lists it and a stall
/// report names `Worker/AppService/Webserver` and the connection task. Connections are kept alive between
/// requests unless the client sends `Connection: close` (or speaks HTTP/1.0 without `Connection:
/// keep-alive`): then the response carries `Connection: close` and the server closes the connection.
actor Webserver: Service {
    let lifecycle = ServiceLifecycleState()
    let cache: PageViewCache
    let users: UserCache
    let hub: Websockets
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup

    init(cache: PageViewCache, users: UserCache, hub: Websockets, group: MultiThreadedEventLoopGroup,
         host: String = "127.0.0.1", port: Int = 8000) {
        self.cache = cache
        self.users = users
        self.hub = hub
        self.group = group
        self.host = host
        self.port = port
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    func onStart() async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("Serving on port \(port)")
        addCleanup("http-listener") {
            // The accept loop's executeThenClose usually closed it already when its task was cancelled.
            do { try await server.channel.close() } catch ChannelError.alreadyClosed {}
        }
        addFuture("http-accept") {
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    let peer = connection.channel.remoteAddress?.description ?? "?"
                    self.addFuture("http \(peer)") { await self.serve(connection) }
                }
            }
        }
    }

    nonisolated func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let request): head = request
                    case .body: break
                    case .end:
                        guard let request = head else { continue }
                        // Each request is a task of its own in `ps` and in stall reports, with the caller's
                        // W3C trace id when it sends one (`traceparent`).
                        let trace = request.headers.first(name: "traceparent").flatMap(TraceIdentity.init(traceparent:))
                        let name = "\(request.method) \(splitURI(request.uri).path)"
                        let (status, body) = await lifecycle.tree.tasks.withRequest(name, trace: trace) {
                            await respond(to: request, peer: connection.channel.remoteAddress)
                        }
                        // `Connection: close`, or HTTP/1.0 without `Connection: keep-alive`: this is the last
                        // response; say so, and close the connection once it is written.
                        let keepAlive = request.isKeepAlive
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: "application/json")
                        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                        if !keepAlive {
                            headers.add(name: "Connection", value: "close")
                        } else if request.version == .http1_0 {
                            headers.add(name: "Connection", value: "keep-alive")
                        }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
                        try await outbound.write(.end(nil))
                        head = nil
                        if !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("Connection ended: \(error)")
        }
    }

    nonisolated func respond(to request: HTTPRequestHead, peer: SocketAddress?) async -> (HTTPResponseStatus, String) {
        let (path, query) = splitURI(request.uri)
        guard request.method == .GET else { return (.methodNotAllowed, #"{"error": "only GET"}"#) }
        _ = await users.seen(peer?.ipAddress ?? "?")
        if path.hasPrefix("/pageviews/") {
            let page = String(path.dropFirst("/pageviews".count))
            let count = await cache.update(page)
            await hub.publish(path: page, count: count)
            return (.ok, "{\"path\": \(jsonString(page)), \"count\": \(count)}")
        }
        if path == "/recent" {
            return (.ok, "[" + (await hub.recentEvents()).joined(separator: ", ") + "]")
        }
        if path == "/block" {
            let ms = query["ms"].flatMap(Int.init) ?? 1000
            blockingWork(milliseconds: ms)
            return (.ok, "{\"blocked_ms\": \(ms)}")
        }
        return (.notFound, "{\"error\": \"not found\", \"try\": [\"/pageviews/<path>\", \"/recent\", \"/block?ms=N\"]}")
    }
}

/// Blocks the calling thread — the demo's deliberate mistake, for the stall watchdog to catch. It sleeps
/// until the deadline even when a signal (the watchdog's one stack capture) interrupts the sleep.
@inline(never)
func blockingWork(milliseconds: Int) {
    let ms = max(0, milliseconds)
    var request = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

func splitURI(_ uri: String) -> (path: String, query: [String: String]) {
    let parts = uri.split(separator: "?", maxSplits: 1)
    var query: [String: String] = [:]
    if parts.count == 2 {
        for pair in parts[1].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            query[String(kv[0])] = kv.count == 2 ? String(kv[1]) : ""
        }
    }
    return (parts.first.map(String.init) ?? "/", query)
}
