import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh temporary directory, removed by `remove()`.
struct LogTestDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/mode-worker-tests-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        self.path = String(cString: made)
    }

    func file(_ name: String) -> String { "\(self.path)/\(name)" }

    func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// The file's content as text ("" if missing).
func readLogText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// The file's lines without the trailing empty one.
func readLogLines(_ path: String) -> [String] {
    readLogText(path).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

/// Parses one JSON line into a dictionary, or nil if it is not a JSON object.
func parseJSONLine(_ line: String) -> [String: Any]? {
    guard let data = line.data(using: .utf8),
        let object = try? JSONSerialization.jsonObject(with: data, options: [])
    else { return nil }
    return object as? [String: Any]
}
