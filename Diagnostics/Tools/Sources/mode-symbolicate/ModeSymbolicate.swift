import ArgumentParser
import Foundation

/// `mode-symbolicate`: resolves the `module+0xOFFSET` frames of swift-mode crash, stall and thread-dump
/// reports (text or JSON lines) to function names and file:line, offline, against unstripped binaries.
///
/// ```
/// mode-symbolicate --binary ./App.debug crash.log
/// kubectl logs app | mode-symbolicate --binary App=/srv/symbols/App
/// ```
@main
struct ModeSymbolicate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode-symbolicate",
        abstract: "Resolve module+0xOFFSET frames of swift-mode reports to symbols and file:line.")

    @Option(
        name: .customLong("binary"),
        help: "An unstripped binary: PATH (matched by file name) or MODULE=PATH. Repeatable.")
    var binaries: [String] = []

    @Option(help: "llvm-symbolizer to use (default: /opt/swift/usr/bin/llvm-symbolizer, then PATH; else addr2line).")
    var symbolizer: String?

    @Flag(help: "Do not demangle Swift names with swift-demangle.")
    var noDemangle = false

    @Argument(help: "Report file (default: standard input).")
    var report: String?

    func run() throws {
        let input: String
        if let report {
            input = try String(contentsOfFile: report, encoding: .utf8)
        } else {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let lines = ReportLines.expandJSON(input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        var modules = ReportLines.imagePaths(in: lines)
        for binary in binaries {
            if let equals = binary.firstIndex(of: "=") {
                modules[String(binary[..<equals])] = String(binary[binary.index(after: equals)...])
            } else {
                modules[URL(fileURLWithPath: binary).lastPathComponent] = binary
            }
        }
        let frames = lines.enumerated().compactMap { index, line in ReportLines.frame(in: line).map { (index, $0) } }
        var requests: [String: [UInt64]] = [:]
        for (_, frame) in frames {
            guard let path = modules[frame.module], FileManager.default.fileExists(atPath: path) else { continue }
            requests[path, default: []].append(frame.lookupOffset)
        }
        var resolved: [String: [UInt64: [String]]] = [:]
        let tool = Symbolizer(explicit: symbolizer, demangle: !noDemangle)
        for (path, offsets) in requests {
            resolved[path] = try tool.symbolize(binary: path, offsets: Array(Set(offsets)).sorted())
        }
        var output: [String] = []
        for (index, line) in lines.enumerated() {
            output.append(line)
            guard let frame = frames.first(where: { $0.0 == index })?.1, let path = modules[frame.module],
                let locations = resolved[path]?[frame.lookupOffset]
            else { continue }
            let indent = String(line.prefix { $0 == " " }) + "      "
            for (n, location) in locations.enumerated() {
                output.append(indent + (n < locations.count - 1 ? "(inlined) " : "-> ") + location)
            }
        }
        print(output.joined(separator: "\n"))
    }
}
