import Logging
import ModeThreads
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP debug console (`telnet 127.0.0.1 50101`) for inspecting a running process.
///
/// The console owns its threads: one event-loop thread (`mode-console`) that does all network I/O, a
/// small pool (`mode-console-w`, see ``Configuration/commandThreads``) that runs command handlers, and one
/// thread (`mode-console-x`) for expensive commands such as stack dumps. None is a thread of Swift's
/// cooperative pool, and no handler awaits, so the console answers while every thread the process runs its
/// tasks on is blocked — which is when it is needed.
///
/// ```swift
/// let console = DebugConsole(configuration: .init(port: 50101))
/// console.registry.register(ConsoleCommand(name: "ping", summary: "Answer pong") { _ in
///     ConsoleOutput(text: "pong")
/// })
/// let address = try console.start()       // 127.0.0.1:50101
/// // ... telnet 127.0.0.1 50101, or: mode-console 127.0.0.1:50101 ping
/// try console.shutdown()
/// ```
///
/// Protocol: a banner and the prompt `mode> `; one command per line (CR LF, LF or CR end a line); telnet
/// negotiation is consumed, so `telnet` and `nc` both work; `exit`, `quit` or Ctrl-D end the session.
/// Limits (clients, line length, idle time, buffered output, authentication deadline and throttling) are in
/// ``Configuration``.
///
/// Console work is bounded whatever the clients do: each session runs one command at a time; a command
/// whose client has gone before it started is never run; clients asking for the same expensive command at
/// once share one run (``ConsoleCommand/isExpensive``); and expensive commands have their own thread, so
/// `ps` never waits behind a stack dump.
public final class DebugConsole: Sendable {
    private enum State {
        case idle
        case running(group: MultiThreadedEventLoopGroup, scheduler: ConsoleCommandScheduler, channel: any Channel)
        case stopped
    }

    /// The configuration the console was created with.
    public let configuration: Configuration
    /// The commands the console answers; register more at any time.
    public let registry: ConsoleCommandRegistry
    let logger: Logger
    private let state = Mutex(State.idle)
    /// Open sessions by id, so that shutdown closes them even when a stuck command keeps the threads alive.
    let sessions = Mutex<[Int: any Channel]>([:])
    /// Who holds a session slot, authenticated or not.
    private let slots: Mutex<ConsoleSessionSlots>
    /// Token checks, their throttle and log lines; `nil` without ``Configuration/authToken``.
    private let authenticator: ConsoleAuthenticator?
    private let boundAddress = Mutex<SocketAddress?>(nil)

    /// Creates a console; it listens only after ``start()``.
    ///
    /// - Parameters:
    ///   - configuration: Address, limits and texts.
    ///   - registry: The commands; a new registry holds only `help`, `exit` and `json`.
    ///   - logger: Where connection events, rejections and warnings go.
    public init(
        configuration: Configuration = Configuration(),
        registry: ConsoleCommandRegistry = ConsoleCommandRegistry(),
        logger: Logger = Logger(label: "mode.console")
    ) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.slots = Mutex(ConsoleSessionSlots(
            maxClients: configuration.maxClients, maxUnauthenticated: configuration.maxUnauthenticatedClients))
        self.authenticator = configuration.authToken.map {
            ConsoleAuthenticator(token: $0, policy: configuration.authThrottlePolicy, logger: logger)
        }
    }

    /// The address the console listens on once started (with the real port when ``Configuration/port`` is 0).
    ///
    /// ```swift
    /// let console = DebugConsole(configuration: .init(port: 0))
    /// try console.start()
    /// print(console.port!)   // e.g. 43117
    /// ```
    public var localAddress: SocketAddress? {
        boundAddress.withLock { $0 }
    }

    /// The port the console listens on once started.
    public var port: Int? {
        localAddress?.port
    }

    /// Sessions open right now (rejected connections are not counted; a closed session stops counting at once,
    /// and a command it left queued is dropped).
    public var connectedClients: Int {
        slots.withLock { $0.count }
    }

    /// Sessions open right now that have not authenticated (always 0 without ``Configuration/authToken``).
    public var unauthenticatedClients: Int {
        slots.withLock { $0.unauthenticatedCount }
    }

    /// Binds the listening socket and starts the console's threads.
    ///
    /// Blocks the caller until the socket is bound (a few hundred microseconds).
    ///
    /// - Returns: The bound address.
    /// - Throws: ``ConsoleError`` with code ``ConsoleError/Code/bindFailed`` when the address is in use or
    ///   invalid, ``ConsoleError/Code/invalidState`` when called twice.
    @discardableResult
    public func start() throws -> SocketAddress {
        let claimed = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .stopped  // claimed; replaced by .running below, or left stopped when binding fails
            return true
        }
        guard claimed else {
            throw ConsoleError(code: .invalidState, message: "the debug console was already started")
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scheduler = ConsoleCommandScheduler(
            registry: registry,
            threads: [.ordinary: configuration.commandThreads, .expensive: configuration.expensiveCommandThreads],
            maxAnswerBytes: configuration.maxOutputBuffered
        )
        scheduler.start()
        let channel: any Channel
        do {
            try group.next().submit { OwnedThread.nameCurrentThread("mode-console") }.wait()
            channel = try makeBootstrap(group: group, scheduler: scheduler)
                .bind(host: configuration.host, port: configuration.port)
                .wait()
        } catch {
            try? group.syncShutdownGracefully()
            scheduler.shutdownGracefully {}
            throw ConsoleError(
                code: .bindFailed,
                message: "cannot listen on \(configuration.host):\(configuration.port): " + Self.describe(bindError: error)
            )
        }
        let address = channel.localAddress
        boundAddress.withLock { $0 = address }
        state.withLock { $0 = .running(group: group, scheduler: scheduler, channel: channel) }

        let shown = address.map { "\($0.ipAddress ?? configuration.host):\($0.port ?? configuration.port)" }
            ?? "\(configuration.host):\(configuration.port)"
        if let address, !Self.isLoopback(address) {
            logger.warning(
                "WARNING: the debug console listens on \(shown), which is not a loopback address. It exposes the internal state of this process (tasks, services, threads, stacks) and can cancel tasks and stop services: never bind it to a publicly accessible address.\(configuration.authToken == nil ? " No MODE_CONSOLE_TOKEN is set: anyone who can reach the port can use it." : "")",
                metadata: ["mode.console.address": "\(shown)"]
            )
        }
        logger.debug("debug console listening on \(shown)", metadata: ["mode.console.address": "\(shown)"])
        guard let address else {
            throw ConsoleError(code: .bindFailed, message: "the debug console's socket has no local address")
        }
        return address
    }

    func takeRunning() -> (MultiThreadedEventLoopGroup, ConsoleCommandScheduler, any Channel)? {
        state.withLock { state in
            guard case .running(let group, let scheduler, let channel) = state else {
                state = .stopped
                return nil
            }
            state = .stopped
            return (group, scheduler, channel)
        }
    }

    /// Commands waiting for a thread of `lane` (for tests).
    func queuedCommands(_ lane: ConsoleLane) -> Int {
        runningScheduler?.queuedCount(lane) ?? 0
    }

    /// Command lines sent by clients and not answered yet, shared ones counted per client (for tests).
    var pendingCommands: Int {
        runningScheduler?.pendingCount ?? 0
    }

    private var runningScheduler: ConsoleCommandScheduler? {
        state.withLock { state in
            guard case .running(_, let scheduler, _) = state else { return nil }
            return scheduler
        }
    }

    /// A bind failure in one clause: `address already in use (errno 98)`. NIO's own description of an
    /// `IOError` carries a stray parenthesis (`...: Address already in use) (errno: 98)`).
    package static func describe(bindError error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        let reason = strerror(error.errnoCode).map { String(cString: $0) } ?? "unknown error"
        return "\(reason.prefix(1).lowercased() + reason.dropFirst()) (errno \(error.errnoCode))"
    }

    private func makeBootstrap(group: MultiThreadedEventLoopGroup, scheduler: ConsoleCommandScheduler) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(.allowRemoteHalfClosure, value: true)  // answer `printf 'ps\n' | nc` fully
            .childChannelInitializer { channel in
                self.initializeSession(channel, scheduler: scheduler)
            }
    }

    private func initializeSession(_ channel: any Channel, scheduler: ConsoleCommandScheduler) -> EventLoopFuture<Void> {
        let peerAddress = channel.remoteAddress?.ipAddress ?? "unknown"
        let peer = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        let decision = slots.withLock { $0.admit(authenticated: authenticator == nil) }
        guard case .admit(let id, let evicted) = decision else {
            logger.notice(
                "debug console rejected a client: too many clients",
                metadata: ["mode.console.peer": "\(peer)", "mode.console.max_clients": "\(configuration.maxClients)"]
            )
            let message = "error: too many console clients (max \(configuration.maxClients))\r\n"
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RejectingHandler(message: message))
            }
        }
        if let evicted, let displaced = sessions.withLock({ $0[evicted] }) {
            displaced.pipeline.fireUserInboundEventTriggered(ConsoleSessionHandler.Displaced())
        }
        let session = ConsoleSessionInfo(id: id, remoteAddress: peer)
        sessions.withLock { $0[session.id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.slots.withLock { $0.release(session.id) }
            self.sessions.withLock { $0[session.id] = nil }
        }
        var logger = self.logger
        logger[metadataKey: "mode.console.session"] = "\(session.id)"
        logger[metadataKey: "mode.console.peer"] = "\(peer)"
        let services = ConsoleSessionServices(
            configuration: configuration, scheduler: scheduler, authenticator: authenticator,
            authenticated: { [weak self] id in self?.slots.withLock { $0.authenticate(id) } })
        return channel.eventLoop.makeCompletedFuture { [logger] in
            try channel.pipeline.syncOperations.addHandlers(
                IdleStateHandler(readTimeout: TimeAmount(configuration.idleTimeout)),
                ConsoleSessionHandler(services: services, session: session, peerAddress: peerAddress, logger: logger)
            )
        }
    }

    package static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return true }  // a Unix socket is local
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
