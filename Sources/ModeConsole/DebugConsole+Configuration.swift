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
        /// and is closed.
        public var maxClients: Int
        /// The longest command line in bytes. Default `4096`. A longer line gets one error and the rest of it
        /// is discarded; the session goes on.
        public var maxLineLength: Int
        /// A session that sends nothing for this long is closed (with a message). Default 10 minutes.
        public var idleTimeout: Duration
        /// When set, a session must send `auth <token>` before any command; three wrong tokens close it.
        /// Default `nil` (the Worker sets it from `MODE_CONSOLE_TOKEN`).
        public var authToken: String?
        /// Wrong `auth` attempts before the session is closed. Default `3`.
        public var maxAuthFailures: Int
        /// The first lines a session sees. Default: the console's name and how to get help.
        public var banner: String
        /// The prompt written after the banner and after every answer. Default `"mode> "`.
        public var prompt: String
        /// The most output bytes a session may have waiting to be sent. Default 8 MiB. A client that reads
        /// slower than it asks is disconnected (and logged) rather than allowed to grow the process's memory;
        /// a single answer larger than this is replaced by an error.
        public var maxOutputBuffered: Int
        /// Threads that run command handlers, off the console's event loop, so that one slow command does not
        /// stall other sessions. Default `2`.
        public var commandThreads: Int

        /// Creates a configuration; every parameter has the default documented on its property.
        public init(
            host: String = "127.0.0.1",
            port: Int = 50101,
            maxClients: Int = 16,
            maxLineLength: Int = 4096,
            idleTimeout: Duration = .seconds(600),
            authToken: String? = nil,
            maxAuthFailures: Int = 3,
            banner: String = "swift-mode debug console. Type 'help' for commands, 'exit' to leave.",
            prompt: String = "mode> ",
            maxOutputBuffered: Int = 8 * 1024 * 1024,
            commandThreads: Int = 2
        ) {
            self.host = host
            self.port = port
            self.maxClients = maxClients
            self.maxLineLength = maxLineLength
            self.idleTimeout = idleTimeout
            self.authToken = authToken
            self.maxAuthFailures = maxAuthFailures
            self.banner = banner
            self.prompt = prompt
            self.maxOutputBuffered = maxOutputBuffered
            self.commandThreads = commandThreads
        }
    }
}
