import Foundation

/// Runs `Benchmarks/Scripts/python_mode_bench.py` with a Python that has `mode` (mode-streaming) and parses its
/// JSON lines. Looks for `$MODE_PYTHON`, then `Benchmarks/.build/mode-venv/bin/python`; when neither exists and
/// `python3` does, runs `Benchmarks/Scripts/setup-python-mode.sh` once (PyPI must be reachable).
struct PythonMode {
    let python: String
    let script: String

    static let benchmarksDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Finds (or installs) Python mode; returns nil with the reason when it cannot.
    static func locate(install: Bool) -> (PythonMode?, String) {
        let script = benchmarksDirectory.appendingPathComponent("Scripts/python_mode_bench.py").path
        let venv = benchmarksDirectory.appendingPathComponent(".build/mode-venv/bin/python").path
        if let explicit = ProcessInfo.processInfo.environment["MODE_PYTHON"], !explicit.isEmpty {
            return (PythonMode(python: explicit, script: script), "MODE_PYTHON=\(explicit)")
        }
        if FileManager.default.isExecutableFile(atPath: venv) {
            return (PythonMode(python: venv, script: script), venv)
        }
        guard install else { return (nil, "Python mode not installed and --no-python-setup given") }
        let setup = benchmarksDirectory.appendingPathComponent("Scripts/setup-python-mode.sh").path
        let status = run("/bin/sh", [setup]).status
        if status == 0, FileManager.default.isExecutableFile(atPath: venv) {
            return (PythonMode(python: venv, script: script), venv + " (installed now)")
        }
        return (nil, "could not install Python mode (sh \(setup) exited \(status))")
    }

    /// Runs the script for `suites` and returns one dictionary per JSON line.
    func run(_ suites: [String]) -> [[String: Any]] {
        let (status, output) = Self.run(python, [script] + suites)
        guard status == 0 else {
            print("warning: python mode benchmark exited \(status)")
            return []
        }
        return output.split(separator: "\n").compactMap { line in
            guard let data = String(line).data(using: .utf8) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
    }

    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return (-1, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
