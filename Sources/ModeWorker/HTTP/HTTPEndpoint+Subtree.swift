extension HTTPEndpoint {
    /// Every request under one path prefix (`/debug`, `/debug/`, `/debug/api/ps`), answered by one handler
    /// that sees the whole request and checks its own methods.
    ///
    /// Unlike the plain routes, a subtree's handler runs on the endpoint's command thread (`mode-http-cmd`),
    /// not on its event loop: a slow answer (a stack dump, a restart that waits) never delays `/healthz`.
    /// The endpoint still checks the token, the request size and the absence of a body first.
    ///
    /// ```swift
    /// let debug = HTTPEndpoint.Subtree(prefix: "/debug") { request in
    ///     HTTPEndpointResponse(status: .ok, body: "you asked for \(request.path)\n")
    /// }
    /// let endpoint = HTTPEndpoint(configuration: .init(), routes: [:], subtrees: [debug])
    /// ```
    package struct Subtree: Sendable {
        /// The prefix without a trailing slash: `/debug` serves `/debug` and `/debug/...`, not `/debugger`.
        package var prefix: String
        /// The `WWW-Authenticate` challenge of a 401 under this prefix. Default: `Basic`, so that a browser
        /// asks for the token (any user name, the token as the password) and sends it with every request.
        package var challenge: String
        /// Answers one request (any method; the handler answers 405 itself).
        package var respond: @Sendable (HTTPEndpointRequest) -> HTTPEndpointResponse

        package init(
            prefix: String, challenge: String = #"Basic realm="mode", charset="UTF-8""#,
            respond: @escaping @Sendable (HTTPEndpointRequest) -> HTTPEndpointResponse
        ) {
            self.prefix = prefix
            self.challenge = challenge
            self.respond = respond
        }

        func matches(_ path: String) -> Bool {
            path == prefix || path.hasPrefix(prefix + "/")
        }
    }
}
