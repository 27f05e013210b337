// Child-process fixture for the ModeDiagnostics tests: `ModeDiagnosticsFixture <scenario> [arguments...]`.
// Each scenario lives in a `Scenario+X.swift` file as a static member of `Scenario`; register it below.
import Foundation

let scenarios: [String: @Sendable ([String]) async throws -> Void] = Scenario.crashScenarios
    .merging(Scenario.dumpScenarios) { first, _ in first }
    .merging(Scenario.captureScenarios) { first, _ in first }

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let scenario = scenarios[name] else {
    FileHandle.standardError.write(Data("usage: ModeDiagnosticsFixture <\(scenarios.keys.sorted().joined(separator: "|"))> ...\n".utf8))
    exit(64)
}
try await scenario(Array(arguments.dropFirst()))
exit(0)
