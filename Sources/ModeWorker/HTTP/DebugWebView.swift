import ModeConsole
import NIOHTTP1

/// The Worker's web view under `/debug/` and its JSON API under `/debug/api/<command>`.
///
/// The page (HTML, CSS and script compiled into the binary, see ``DebugWebAssets``) draws the service tree,
/// the tasks, the stall reports and the threads from the API, and refreshes itself. The API runs the debug
/// console's own commands from the console's ``ConsoleCommandRegistry`` through its `json <command>` path:
/// `GET /debug/api/ps?arg=-t` answers exactly what `json ps -t` prints in the console.
///
/// ```swift
/// let view = DebugWebView(registry: registry, checksHost: token == nil)
/// let endpoint = HTTPEndpoint(configuration: configuration, routes: routes, subtrees: [view.subtree])
/// ```
///
/// Rules:
/// - Only the read-only commands (``readOnlyCommands``) answer `GET`; every command answers `POST`, which
///   must carry the header `X-Mode-Debug` (any value) and, when the browser sends `Origin`, come from this
///   page's origin (403 otherwise). A browser on another site can neither add that header without a CORS
///   preflight, which this endpoint never grants, nor forge `Origin`; so it cannot make a visitor's browser
///   restart a service.
/// - Without a token (loopback only) the `Host` header must name a loopback address or `localhost` (403
///   otherwise), so a site that re-points its DNS name at 127.0.0.1 cannot read the view.
/// - An unknown command is 404, a command's own error (bad arguments, no such task) 400; the body is then
///   the console's `{"error": "..."}` document. Arguments are `arg` query items in order.
package struct DebugWebView: Sendable {
    /// The path prefix of the view.
    static let prefix = "/debug"
    /// The header a `POST` must carry (any value).
    static let requestHeader = "X-Mode-Debug"
    /// Commands that only read state: served on `GET` and `POST`. Every other command (`restart`, `stop`,
    /// `cancel`, `loglevel`, `stacks`, and any command added later) is `POST` only.
    static let readOnlyCommands: Set<String> = ["help", "ps", "where", "services", "graph", "threads", "stalls", "stats"]
    /// Commands that only make sense in a console session.
    static let consoleOnlyCommands: Set<String> = ["exit", "json"]

    let registry: ConsoleCommandRegistry
    /// Whether `Host` must be a loopback name (the endpoint has no token).
    let checksHost: Bool

    package init(registry: ConsoleCommandRegistry, checksHost: Bool) {
        self.registry = registry
        self.checksHost = checksHost
    }

    /// The endpoint subtree serving `/debug` and everything under it.
    package var subtree: HTTPEndpoint.Subtree {
        HTTPEndpoint.Subtree(prefix: Self.prefix) { request in self.respond(to: request) }
    }

    /// The answer to one request under `/debug`.
    func respond(to request: HTTPEndpointRequest) -> HTTPEndpointResponse {
        if checksHost, let host = request.headers["host"].first, !Self.isLoopbackHost(host) {
            return Self.jsonError(
                .forbidden, "Host '\(host)' is not a loopback name; without MODE_HTTP_TOKEN the web view answers "
                    + "only requests for 127.0.0.1, [::1] or localhost")
        }
        let path = request.path
        if path.hasPrefix(Self.prefix + "/api/") || path == Self.prefix + "/api" {
            let name = path.dropFirst((Self.prefix + "/api").count).drop { $0 == "/" }
            return name.isEmpty ? index(request) : command(String(name), request)
        }
        guard request.method == .GET else {
            return .error(.methodNotAllowed, "\(request.method.rawValue) \(path); the page is served on GET",
                          headers: [("Allow", "GET")])
        }
        switch path {
        case Self.prefix:
            return HTTPEndpointResponse(
                status: .permanentRedirect, body: "see /debug/\n", headers: [("Location", Self.prefix + "/")])
        case Self.prefix + "/":
            return Self.asset(DebugWebAssets.html, type: "text/html; charset=utf-8")
        case Self.prefix + "/app.js":
            return Self.asset(DebugWebAssets.script, type: "text/javascript; charset=utf-8")
        case Self.prefix + "/app.css":
            return Self.asset(DebugWebAssets.style, type: "text/css; charset=utf-8")
        default:
            return .error(.notFound, "\(path) (the web view is /debug/, its API /debug/api/<command>)")
        }
    }

    /// `/debug/api/<name>`: runs `json <name> <arg...>` through the console's registry.
    private func command(_ name: String, _ request: HTTPEndpointRequest) -> HTTPEndpointResponse {
        let decoded = HTTPEndpointRequest.percentDecoded(Substring(name))
        guard let command = registry.command(named: decoded) else {
            // The console's own answer: `{"error":"unknown command 'pss'. Did you mean 'ps'?"}`.
            let output = registry.run(words: ["json", decoded], format: .text, session: session(request))
            return HTTPEndpointResponse(status: .notFound, body: output.text + "\n", contentType: Self.jsonType)
        }
        if Self.consoleOnlyCommands.contains(command.name) {
            return Self.jsonError(.notFound, "'\(decoded)' is a console-only command")
        }
        if let refusal = methodRefusal(request, readOnly: Self.readOnlyCommands.contains(command.name)) {
            return refusal
        }
        if let unknown = request.query.first(where: { $0.name != "arg" }) {
            return Self.jsonError(
                .badRequest, "unknown query item '\(unknown.name)'; arguments are ?arg=<word>&arg=<word>")
        }
        let output = registry.run(
            words: ["json", command.name] + request.queryValues("arg"), format: .text, session: session(request))
        return HTTPEndpointResponse(
            status: output.isError ? .badRequest : .ok, body: output.text + "\n", contentType: Self.jsonType)
    }

    /// `/debug/api/`: the commands and the methods each answers.
    private func index(_ request: HTTPEndpointRequest) -> HTTPEndpointResponse {
        if let refusal = methodRefusal(request, readOnly: true) { return refusal }
        let commands = registry.commands.filter { !$0.isHidden && !Self.consoleOnlyCommands.contains($0.name) }
        let list: JSONValue = .array(commands.map { command in
            let methods: [JSONValue] = Self.readOnlyCommands.contains(command.name) ? ["GET", "POST"] : ["POST"]
            return .object([
                ("name", .string(command.name)), ("summary", .string(command.summary)),
                ("usage", .string(command.usage)), ("methods", .array(methods)),
            ])
        })
        return HTTPEndpointResponse(
            status: .ok, body: JSONValue.object([("commands", list)]).rendered() + "\n", contentType: Self.jsonType)
    }

    /// 405 for a method the target does not answer; 403 for a `POST` without the header or from elsewhere.
    private func methodRefusal(_ request: HTTPEndpointRequest, readOnly: Bool) -> HTTPEndpointResponse? {
        switch request.method {
        case .GET where readOnly:
            return nil
        case .GET:
            return Self.jsonError(
                .methodNotAllowed, "\(request.path) changes the Worker or is expensive: send POST with the header "
                    + "\(Self.requestHeader): 1", headers: [("Allow", "POST")])
        case .POST:
            guard request.headers.contains(name: Self.requestHeader) else {
                return Self.jsonError(
                    .forbidden, "a POST must carry the header \(Self.requestHeader) (any value): it proves the "
                        + "request is not a cross-site form")
            }
            if let origin = request.headers["origin"].first, let host = request.headers["host"].first,
                !Self.origin(origin, matchesHost: host) {
                return Self.jsonError(.forbidden, "Origin '\(origin)' is not this endpoint (\(host))")
            }
            return nil
        default:
            return Self.jsonError(
                .methodNotAllowed, "\(request.method.rawValue) \(request.path); use GET or POST",
                headers: [("Allow", readOnly ? "GET, POST" : "POST")])
        }
    }

    private func session(_ request: HTTPEndpointRequest) -> ConsoleSessionInfo {
        ConsoleSessionInfo(id: 0, remoteAddress: "HTTP \(request.peer)")
    }

    static let jsonType = "application/json; charset=utf-8"

    /// `{"error": "..."}`, the console's error document.
    static func jsonError(
        _ status: HTTPResponseStatus, _ message: String, headers: [(String, String)] = []
    ) -> HTTPEndpointResponse {
        HTTPEndpointResponse(
            status: status, body: ConsoleOutput.error(message).jsonDocument.rendered() + "\n", contentType: jsonType,
            headers: headers)
    }

    private static func asset(_ body: String, type: String) -> HTTPEndpointResponse {
        HTTPEndpointResponse(status: .ok, body: body, contentType: type, headers: [
            ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
        ])
    }

    /// `127.0.0.1:9090`, `localhost`, `[::1]:9090`: a name that can only mean this machine.
    static func isLoopbackHost(_ host: String) -> Bool {
        let name: Substring
        if host.hasPrefix("[") {
            name = host.dropFirst().prefix { $0 != "]" }
        } else {
            name = host.prefix { $0 != ":" }
        }
        let lower = name.lowercased()
        return lower == "localhost" || lower == "::1" || lower.hasPrefix("127.")
    }

    /// Whether `Origin: http://127.0.0.1:9090` names the same host and port as `Host: 127.0.0.1:9090`.
    static func origin(_ origin: String, matchesHost host: String) -> Bool {
        let lower = origin.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            return lower.dropFirst(scheme.count) == host.lowercased()
        }
        return false
    }
}
