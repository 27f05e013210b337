extension DebugConsole {
    /// How the debug console listens and what it allows. Every member has a documented default.
    ///
    /// ```swift
    /// var configuration = DebugConsole.Configuration()
    /// configuration.port = 0                                  // ephemeral, for tests
    /// configuration.authToken = environment["MODE_CONSOLE_TOKEN"]
    /// let console = DebugConsole(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The address to bind. Default `"127.0.0.1"`. Anything but a loopback address logs a warning:
        /// the console exposes the process's internal state and can cancel tasks and stop services.
        public var host: String
        /// The TCP port. Default `50101` (the port mode gives aiomonitor); `0` picks a free port, see
        /// ``DebugConsole/localAddress``.
        public var port: Int
        /// Sessions served at once. Default `16`. One more gets `error: too many console clients (max 16)`
        /// and is closed — unless a session has not authenticated yet: then the oldest such session is
        /// closed to make room (see ``maxUnauthenticatedClients``).
        public var maxClients: Int
        /// With ``authToken`` set, sessions that have not authenticated yet, at most. Default `4`. A new
        /// connection beyond it closes the oldest unauthenticated session (which gets `error: too many
        /// unauthenticated console clients (max 4); ...`), so connections that never authenticate cannot
        /// keep a token holder out.
        public var maxUnauthenticatedClients: Int
        /// The longest command line in bytes. Default `4096`. A longer line gets one error and the rest of it
        /// is discarded; the session goes on.
        public var maxLineLength: Int
        /// A session that sends nothing for this long is closed (with a message). Default 10 minutes.
        public var idleTimeout: Duration
        /// When set, a session must send `auth <token>` before any command; three wrong tokens close it.
        /// Default `nil` (the Worker sets it from `MODE_CONSOLE_TOKEN`).
        public var authToken: String?
        /// With ``authToken`` set, a session that has not authenticated this long after connecting is
        /// closed with `error: not authenticated within 30.0 s; closing the session`. Default 30 seconds.
        public var authenticationTimeout: Duration
        /// Wrong `auth` attempts before the session is closed. Default `3`. It is also how many consecutive
        /// failures one peer address may make before it has to wait (``authBackoff``).
        public var maxAuthFailures: Int
        /// After ``maxAuthFailures`` consecutive failures from one peer address, every further failure
        /// makes that address wait before its next `auth` is checked: this long at first, then twice as
        /// long each time, up to ``maxAuthBackoff``. Attempts made meanwhile are refused unchecked with
        /// `error: too many failed authentication attempts from <address>; try again in 2.0 s`.
        /// Default 1 second.
        public var authBackoff: Duration
        /// The longest wait ``authBackoff`` grows to. Default 30 seconds.
        public var maxAuthBackoff: Duration
        /// Failed `auth` attempts are logged as a warning once per address per interval, with a count:
        /// the first at once, the rest summed up in one line per interval. Default 10 seconds.
        public var authFailureLogInterval: Duration
        /// The first lines a session sees. Default: the console's name and how to get help.
        public var banner: String
        /// The prompt written after the banner and after every answer. Default `"mode> "`.
        public var prompt: String
        /// The most output bytes a session may have waiting to be sent. Default 8 MiB. A client that reads
        /// slower than it asks is disconnected (and logged) rather than allowed to grow the process's memory;
        /// a single answer larger than this is replaced by an error.
        public var maxOutputBuffered: Int
        /// Threads that run ordinary command handlers (`mode-console-w`), off the console's event loop, so
        /// that one slow command does not stall other sessions. Default `2`.
        public var commandThreads: Int
        /// Threads that run expensive commands (``ConsoleCommand/isExpensive``: `stacks`, `where`), named
        /// `mode-console-x`. Default `1`: one stack dump at a time, however many clients ask, and never on
        /// the threads that answer `ps`.
        public var expensiveCommandThreads: Int

        /// Creates a configuration; every parameter has the default documented on its property.
        public init(
            host: String = "127.0.0.1",
            port: Int = 50101,
            maxClients: Int = 16,
            maxUnauthenticatedClients: Int = 4,
            maxLineLength: Int = 4096,
            idleTimeout: Duration = .seconds(600),
            authToken: String? = nil,
            authenticationTimeout: Duration = .seconds(30),
            maxAuthFailures: Int = 3,
            authBackoff: Duration = .seconds(1),
            maxAuthBackoff: Duration = .seconds(30),
            authFailureLogInterval: Duration = .seconds(10),
            banner: String = "swift-mode debug console. Type 'help' for commands, 'exit' to leave.",
            prompt: String = "mode> ",
            maxOutputBuffered: Int = 8 * 1024 * 1024,
            commandThreads: Int = 2,
            expensiveCommandThreads: Int = 1
        ) {
            self.host = host
            self.port = port
            self.maxClients = maxClients
            self.maxUnauthenticatedClients = maxUnauthenticatedClients
            self.maxLineLength = maxLineLength
            self.idleTimeout = idleTimeout
            self.authToken = authToken
            self.authenticationTimeout = authenticationTimeout
            self.maxAuthFailures = maxAuthFailures
            self.authBackoff = authBackoff
            self.maxAuthBackoff = maxAuthBackoff
            self.authFailureLogInterval = authFailureLogInterval
            self.banner = banner
            self.prompt = prompt
            self.maxOutputBuffered = maxOutputBuffered
            self.commandThreads = commandThreads
            self.expensiveCommandThreads = expensiveCommandThreads
        }

        /// The per-address throttle of failed `auth` attempts these settings describe.
        var authThrottlePolicy: AuthenticationThrottle<ContinuousClock>.Policy {
            var policy = AuthenticationThrottle<ContinuousClock>.Policy()
            policy.freeFailures = maxAuthFailures
            policy.initialBackoff = authBackoff
            policy.maxBackoff = max(authBackoff, maxAuthBackoff)
            policy.logInterval = authFailureLogInterval
            return policy
        }
    }
}
