extension HTTPEndpoint {
    /// How the endpoint listens and what it allows. Every member has a documented default.
    ///
    /// ```swift
    /// var configuration = HTTPEndpoint.Configuration()
    /// configuration.port = 0          // any free port (tests)
    /// configuration.token = "s3cret"  // Authorization: Bearer s3cret
    /// ```
    package struct Configuration: Sendable {
        /// The address to bind. Default `"127.0.0.1"`.
        package var host: String
        /// The TCP port; `0` picks a free port. Default `0`.
        package var port: Int
        /// When set, every request must carry `Authorization: Bearer <token>` (else 401). Default `nil`.
        package var token: String?
        /// Connections served at once. Default `16`; one more gets `503` and is closed.
        package var maxConnections: Int
        /// The most bytes a request head (request line and headers) may have. Default 8 KiB; more gets `431`.
        package var maxHeadBytes: Int
        /// A connection that sends nothing for this long is closed. Default 10 seconds.
        package var idleTimeout: Duration

        package init(
            host: String = "127.0.0.1", port: Int = 0, token: String? = nil, maxConnections: Int = 16,
            maxHeadBytes: Int = 8 * 1024, idleTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.token = token
            self.maxConnections = maxConnections
            self.maxHeadBytes = maxHeadBytes
            self.idleTimeout = idleTimeout
        }
    }
}
