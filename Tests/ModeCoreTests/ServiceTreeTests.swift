import Foundation
import Logging
import ModeCore
import ModeTestKit
import Testing

@Suite("The service tree: paths, log prefixes, DOT")
struct ServiceTreeTests {
    func makeWorkerTree(capture: LogCapture) throws -> (RecordingService, RecordingService, RecordingService) {
        let events = EventRecorder()
        let worker = RecordingService("Worker", events: events)
        worker.lifecycle.setLogger(capture.logger)
        let app = try worker.addDependency(RecordingService("AppService", events: events))
        let web = try app.addDependency(RecordingService("Webserver", events: events))
        return (worker, app, web)
    }

    @Test("paths, depths, parents and lookup by path")
    func paths() throws {
        let (worker, app, web) = try makeWorkerTree(capture: LogCapture())
        #expect(web.path == "Worker/AppService/Webserver")
        #expect(web.depth == 3)
        #expect(web.parent === app)
        #expect(web.root === worker)
        #expect(worker.service(atPath: "Worker/AppService/Webserver") === web)
        #expect(worker.service(atPath: "AppService") === app)
        #expect(worker.service(atPath: "Worker/Nope") == nil)
        #expect(throws: ServiceError.self) { try web.addDependency(worker) }
    }

    @Test("every service logs with mode's tree prefix")
    func logPrefixes() async throws {
        let capture = LogCapture()
        let (worker, _, web) = try makeWorkerTree(capture: capture)
        try await worker.start()
        web.logger.info("Serving on port 8000")
        await worker.stop()
        let lines = capture.records.filter { $0.level >= .info }.map(\.description)
        #expect(
            Array(lines.prefix(4)) == [
                "[^Worker]: Starting...",
                "[^-AppService]: Starting...",
                "[^--Webserver]: Starting...",
                "[^--Webserver]: Serving on port 8000",
            ]
        )
        #expect(lines.contains("[^-AppService]: Stopping..."))
        #expect(lines.last == "[^Worker]: -Stopped!")
        #expect(web.logPrefix == "[^--Webserver]")
    }

    @Test("at INFO the lifecycle logs Starting.../Stopping.../-Stopped! and not its DEBUG lines; at WARNING nothing")
    func lifecycleLinesFollowTheLevel() async throws {
        let info = LogCapture(level: .info)
        let (worker, _, _) = try makeWorkerTree(capture: info)
        try await worker.start()
        await worker.stop()
        let lines = info.lines
        #expect(lines.filter { $0.hasSuffix("Starting...") }.count == 3, "\(lines)")
        #expect(lines.filter { $0.hasSuffix("Stopping...") }.count == 3, "\(lines)")
        #expect(lines.filter { $0.hasSuffix("-Stopped!") }.count == 3, "\(lines)")
        #expect(!lines.contains { $0.hasSuffix("Started.") || $0.hasSuffix("Shutting down...") }, "\(lines)")

        let warning = LogCapture(level: .warning)
        let (quiet, _, _) = try makeWorkerTree(capture: warning)
        try await quiet.start()
        await quiet.stop()
        #expect(warning.lines.isEmpty, "\(warning.lines)")
    }

    @Test("a logger set on an ancestor after its descendants logged reaches them (no stale cached logger)")
    func setLoggerReachesDescendants() async throws {
        let first = LogCapture()
        let (worker, _, web) = try makeWorkerTree(capture: first)
        web.logger.info("before")
        let second = LogCapture()
        worker.lifecycle.setLogger(second.logger)
        web.logger.info("after")
        #expect(first.lines == ["[^--Webserver]: before"])
        #expect(second.lines == ["[^--Webserver]: after"])
    }

    @Test("a subtree moved under another parent, then detached, forgets its old paths, loggers and tree")
    func movedSubtreeForgetsItsPlace() async throws {
        let first = LogCapture()
        let (worker, app, web) = try makeWorkerTree(capture: first)
        web.logger.info("before")
        let oldTree = web.lifecycle.tree
        let second = LogCapture()
        let events = EventRecorder()
        let other = RecordingService("Other", events: events)
        other.lifecycle.setLogger(second.logger)
        try other.addDependency(app)
        #expect(worker.children.isEmpty && app.parent === other)
        #expect(web.path == "Other/AppService/Webserver")
        #expect(web.lifecycle.tree === other.lifecycle.tree && web.lifecycle.tree !== oldTree)
        web.logger.info("moved")
        await other.removeDependency(app)
        #expect(web.path == "AppService/Webserver")
        #expect(web.lifecycle.tree === app.lifecycle.tree && app.lifecycle.tree !== other.lifecycle.tree)
        // The removal stops the subtree first (under Other, so with Other's logger); nothing reaches the first.
        #expect(first.lines == ["[^--Webserver]: before"])
        #expect(second.lines.first == "[^--Webserver]: moved" && second.lines.contains("[^--Webserver]: -Stopped!"))
    }

    /// Graphviz's `dot`, when installed (`.ci/run` installs graphviz after the fresh-machine test run).
    static let dotPath = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("graph() renders mode's DOT shape")
    func graphShape() throws {
        let (worker, _, _) = try makeWorkerTree(capture: LogCapture())
        let dot = worker.graph()
        #expect(dot.hasPrefix("digraph dependencies {\n        graph [shape=\"box\""))
        #expect(dot.contains("\"Worker\" -> \"Worker/AppService\" ["))
        #expect(dot.contains("\"Worker/AppService\" -> \"Worker/AppService/Webserver\" ["))
        #expect(dot.contains("\"Worker/AppService/Webserver\" [label=\"Webserver\""))
        #expect(dot.hasSuffix("}\n"))
    }

    @Test(
        "Graphviz accepts graph()'s DOT",
        .enabled(if: dotPath != nil, "Graphviz is not installed; .ci/run installs it and runs this test")
    )
    func graphRendersWithGraphviz() throws {
        let (worker, _, _) = try makeWorkerTree(capture: LogCapture())
        let dot = worker.graph()
        let path = try #require(Self.dotPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-Tsvg"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(dot.utf8))
        try input.fileHandleForWriting.close()
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "dot failed: \(String(decoding: stderr, as: UTF8.self))")
        #expect(String(decoding: svg, as: UTF8.self).contains("<svg"))
    }
}
