/// A console address given on the command line: `host:port`, `:port`, `[v6]:port` or `port`.
struct ConsoleAddress: CustomStringConvertible, Equatable {
    static let defaultHost = "127.0.0.1"
    static let defaultPort = 50101

    var host: String
    var port: Int

    init(host: String = Self.defaultHost, port: Int = Self.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Parses `word` as an address, or returns `nil` when it is not one (then it is the command).
    init?(parsing word: String) {
        guard let colon = word.lastIndex(of: ":") else {
            // A bare number is a port; any other word is a command.
            guard let port = Int(word), (1...65535).contains(port) else { return nil }
            self.init(port: port)
            return
        }
        guard let port = Int(word[word.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(word[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.contains(where: \.isWhitespace) else { return nil }
        self.init(host: host.isEmpty ? Self.defaultHost : host, port: port)
    }

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
