import Foundation

/// Namespace of fixture scenarios; each `Scenario+X.swift` adds a `[name: body]` dictionary.
enum Scenario {
    /// Appends `text` to the file at `path` with one write(2) (O_APPEND).
    static func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
