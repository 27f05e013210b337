import NIOHTTP1

/// One request as a subtree handler of ``HTTPEndpoint`` sees it: method, decoded path, query items and headers
/// (the endpoint never reads a request body).
///
/// ```swift
/// let request = HTTPEndpointRequest(head: head, peer: "127.0.0.1:53422")
/// request.path                  // "/debug/api/ps"
/// request.queryValues("arg")    // ["-t"] for ?arg=-t
/// ```
package struct HTTPEndpointRequest: Sendable {
    /// `GET`, `POST`, ...
    package var method: HTTPMethod
    /// The path without the query, as sent (not percent-decoded: `/` inside a segment stays `%2F`).
    package var path: String
    /// The query's `name=value` pairs in order, percent-decoded (`+` is a space).
    package var query: [(name: String, value: String)]
    /// The request's headers.
    package var headers: HTTPHeaders
    /// The client's address, for logs (`127.0.0.1:53422`).
    package var peer: String

    package init(head: HTTPRequestHead, peer: String) {
        method = head.method
        let uri = head.uri
        let queryStart = uri.firstIndex(of: "?")
        path = String(uri[..<(queryStart ?? uri.endIndex)])
        query = queryStart.map { Self.parseQuery(uri[uri.index(after: $0)...]) } ?? []
        headers = head.headers
        self.peer = peer
    }

    /// Every value of the query item `name`, in order.
    package func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    static func parseQuery(_ query: Substring) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecoded(parts[0]), parts.count > 1 ? percentDecoded(parts[1]) : "")
        }
    }

    /// `%2F` -> `/`, `+` -> space; a malformed escape is kept as it is.
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                let high = hexValue(input[input.startIndex]), let low = hexValue(input[input.startIndex + 1]) {
                bytes.append(high << 4 | low)
                input.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
