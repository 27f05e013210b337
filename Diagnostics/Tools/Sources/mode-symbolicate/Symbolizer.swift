import Foundation

/// Runs llvm-symbolizer (or addr2line) and swift-demangle.
struct Symbolizer {
    var explicit: String?
    var demangle: Bool

    private func which(_ name: String, preferred: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        let candidates = preferred + path.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// offset -> ["symbol at file:line:column", ...] innermost (inlined) first.
    func symbolize(binary: String, offsets: [UInt64]) throws -> [UInt64: [String]] {
        let addresses = offsets.map { "0x" + String($0, radix: 16) }
        var result: [UInt64: [String]] = [:]
        if let llvm = explicit ?? which("llvm-symbolizer", preferred: ["/opt/swift/usr/bin/llvm-symbolizer"]) {
            // Blocks separated by a blank line; each block = pairs of (function, file:line:column).
            let text = try run(llvm, ["--obj=\(binary)", "--inlining", "--functions=linkage", "--output-style=LLVM"] + addresses)
            let blocks = text.components(separatedBy: "\n\n").map { $0.split(separator: "\n").map(String.init) }
            for (offset, block) in zip(offsets, blocks.filter { !$0.isEmpty }) {
                var entries: [String] = []
                var i = 0
                while i + 1 < block.count {
                    entries.append("\(block[i]) at \(block[i + 1])")
                    i += 2
                }
                result[offset] = entries
            }
        } else if let addr2line = which("addr2line") {
            let text = try run(addr2line, ["-Cfie", binary, "-a"] + addresses)
            var current: UInt64?
            var lines = text.split(separator: "\n").map(String.init)[...]
            while let line = lines.popFirst() {
                if line.hasPrefix("0x") {
                    current = UInt64(line.dropFirst(2), radix: 16)
                } else if let current, let location = lines.popFirst() {
                    result[current, default: []].append("\(line) at \(location)")
                }
            }
        }
        guard demangle, let demangler = which("swift-demangle", preferred: ["/opt/swift/usr/bin/swift-demangle"]) else {
            return result
        }
        let keys = Array(result.keys)
        let flat = keys.flatMap { result[$0]! }
        let demangled = try run(demangler, ["--simplified"], input: flat.joined(separator: "\n") + "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard demangled.count >= flat.count else { return result }
        var position = 0
        for key in keys {
            let count = result[key]!.count
            result[key] = Array(demangled[position..<position + count])
            position += count
        }
        return result
    }
}
