import NIOHTTP1

/// One answer of the Worker's HTTP endpoint: a status and a plain-text body (always closed after).
///
/// ```swift
/// HTTPEndpointResponse(status: .serviceUnavailable, body: "not ready: Worker/App is crashed\n")
/// ```
package struct HTTPEndpointResponse: Sendable {
    /// The status line's code and reason.
    package var status: HTTPResponseStatus
    /// The body, as sent.
    package var body: String
    /// The `Content-Type` header.
    package var contentType: String
    /// More headers (`Allow`, `WWW-Authenticate`).
    package var headers: [(String, String)]

    package init(
        status: HTTPResponseStatus, body: String, contentType: String = "text/plain; charset=utf-8",
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }

    /// A plain-text answer with the status's code and reason, e.g. `404 not found: /nope`.
    static func error(_ status: HTTPResponseStatus, _ detail: String, headers: [(String, String)] = []) -> Self {
        HTTPEndpointResponse(status: status, body: "\(status.code) \(status.reasonPhrase.lowercased()): \(detail)\n",
                             headers: headers)
    }

    /// The whole response as bytes on the wire, for a connection the endpoint cannot serve at all (too many
    /// connections): written raw, before any HTTP handler is in the pipeline.
    var rawHTTP: String {
        let bytes = body.utf8.count
        return "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(bytes)\r\nConnection: close\r\n\r\n\(body)"
    }
}
