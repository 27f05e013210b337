import Foundation

/// One HTTP/1.1 exchange over a real socket (``ConsoleClient``'s, whose reads run off the cooperative pool):
/// sends the request, reads until the server closes, splits the answer.
struct HTTPTestAnswer: Sendable, CustomStringConvertible {
    var status: Int
    /// Header lines, lowercased names: `["content-type": "text/plain; charset=utf-8"]`.
    var headers: [String: String]
    var body: String
    var description: String { "\(status) \(headers) \(body)" }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// `GET path` with `headers` (e.g. `["Authorization: Bearer x"]`).
    static func get(_ path: String, port: Int, headers: [String] = []) async throws -> HTTPTestAnswer {
        try await request("GET", path, port: port, headers: headers)
    }

    /// `POST path` without a body, with `headers` (e.g. `["X-Mode-Debug: 1"]`).
    static func post(_ path: String, port: Int, headers: [String] = []) async throws -> HTTPTestAnswer {
        try await request("POST", path, port: port, headers: ["Content-Length: 0"] + headers)
    }

    /// `METHOD path` with `Host: 127.0.0.1:<port>` unless `headers` has a `Host:` line.
    static func request(_ method: String, _ path: String, port: Int, headers: [String] = []) async throws -> HTTPTestAnswer {
        let host = headers.contains { $0.lowercased().hasPrefix("host:") } ? [] : ["Host: 127.0.0.1:\(port)"]
        let lines = ["\(method) \(path) HTTP/1.1"] + host + ["Connection: close"] + headers
        return try await exchange(Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8), port: port)
    }

    /// Sends `bytes` as they are and parses whatever comes back.
    static func exchange(_ bytes: [UInt8], port: Int) async throws -> HTTPTestAnswer {
        let client = try ConsoleClient(port: port)
        try await client.send(bytes)
        let text = try await client.readToEnd()  // CRLF already turned into LF
        guard let split = text.range(of: "\n\n") else { throw Malformed(description: "no head end in: \(text)") }
        let head = text[..<split.lowerBound].split(separator: "\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/1.1 "),
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { throw Malformed(description: "no status line in: \(text)") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[line[..<colon].lowercased()] = value
        }
        return HTTPTestAnswer(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
