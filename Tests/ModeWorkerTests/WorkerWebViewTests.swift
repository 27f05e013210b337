import Foundation
import Testing

/// The web view's API on a real Worker process: every read-only command answers what the same Worker's
/// console answers to `json <command>`, and a restart needs a POST.
@Suite("Worker web view", .serialized)
struct WorkerWebViewTests {
    static let console = #"telnet 127\.0\.0\.1 (\d+)\)"#

    /// Starts the fixture with both the console and the HTTP endpoint; returns the child and both ports.
    func startWorker() async throws -> (child: ChildWorker, console: Int, http: Int) {
        let child = try ChildWorker(
            "clean", ["--console-port", "0", "--http-port", "0", "--blocking-timeout", "1"])
        let output = try await child.waitForOutput("the console's and the HTTP endpoint's ports") {
            $0.range(of: Self.console, options: .regularExpression) != nil
                && $0.range(of: WorkerHTTPTests.listening, options: .regularExpression) != nil
        }
        let consoleMatch = try #require(output.range(of: Self.console, options: .regularExpression))
        let consolePort = try #require(Int(output[consoleMatch].dropFirst("telnet 127.0.0.1 ".count).dropLast()))
        let httpMatch = try #require(output.range(of: WorkerHTTPTests.listening, options: .regularExpression))
        let httpPort = try #require(
            Int(output[httpMatch].dropFirst("HTTP endpoint listening on 127.0.0.1:".count).dropLast()))
        try await child.waitFor("[^--PageViewCache]: Starting...")
        return (child, consolePort, httpPort)
    }

    /// Fields that change from one moment to the next (ages, busy times and the other executor figures, memory,
    /// a thread's state).
    static let volatileKeys: Set<String> = ["uptime_s", "age_s", "busy_ms", "rss_bytes", "job", "wchan", "thread",
                                            "tasks_running", "jobs", "last_ran_s", "scheduled_ms", "longest_job_ms"]

    /// The document with the volatile fields removed, rendered with sorted keys for comparison.
    static func stable(_ text: String, dropping extra: Set<String> = []) throws -> String {
        func strip(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { !volatileKeys.contains($0.key) && !extra.contains($0.key) }
                    .mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            return value
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let data = try JSONSerialization.data(withJSONObject: strip(parsed), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("every GET command of /debug/api/ answers the console's `json <command>` document")
    func apiMatchesTheConsole() async throws {
        let (child, consolePort, httpPort) = try await startWorker()
        let client = try ConsoleClient(port: consolePort)
        _ = try await client.readUntilPrompt()
        let index = try await HTTPTestAnswer.get("/debug/api/", port: httpPort)
        let commands = try #require(
            (try JSONSerialization.jsonObject(with: Data(index.body.utf8)) as? [String: Any])?["commands"]
                as? [[String: Any]], "\(index)")
        let readable = commands.filter { ($0["methods"] as? [String])?.contains("GET") == true }
            .compactMap { $0["name"] as? String }
        #expect(Set(readable) == ["help", "ps", "where", "services", "graph", "threads", "stalls", "stats"])
        let ps = try #require(
            try JSONSerialization.jsonObject(with: Data(try await client.command("json ps").utf8)) as? [String: Any])
        let task = try #require((ps["tasks"] as? [[String: Any]])?.first { $0["name"] as? String == "PageViewCache.poll" })
        let id = try #require(task["id"] as? Int)

        var queries = readable.filter { $0 != "where" }.map { ($0, [String]()) }
        queries += [("where", ["\(id)"]), ("ps", ["-t"]), ("help", ["ps"])]
        for (command, arguments) in queries {
            let path = "/debug/api/\(command)" + (arguments.isEmpty ? "" : "?" + arguments.map { "arg=\($0)" }
                .joined(separator: "&"))
            let line = (["json", command] + arguments).joined(separator: " ")
            // Threads come and go between two answers (a console lane starting); compare their stable part.
            let extra: Set<String> = command == "threads" ? ["state"] : []
            var web = "", console = ""
            // Live data can change between the two answers; a few rounds settle it (each one is a round trip).
            for _ in 0..<5 {
                _ = try await client.command(line)
                let answer = try await HTTPTestAnswer.get(path, port: httpPort)
                #expect(answer.status == 200, "\(path): \(answer)")
                #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
                web = try Self.stable(answer.body, dropping: extra)
                console = try Self.stable(try await client.command(line), dropping: extra)
                if web == console { break }
            }
            #expect(web == console, "\(path) differs from `\(line)`")
        }
        child.signal(SIGTERM)
        #expect(try await child.waitForExit().status == 0)
    }

    @Test("restart over the API: GET is refused and changes nothing, POST restarts the service")
    func restartNeedsPOST() async throws {
        let (child, _, port) = try await startWorker()
        let path = "/debug/api/restart?arg=Worker/AppService/Ticker"
        let get = try await HTTPTestAnswer.get(path, port: port)
        #expect(get.status == 405)
        let before = try await HTTPTestAnswer.get("/debug/api/services", port: port)
        #expect(before.body.contains(#""path":"Worker/AppService/Ticker","label":"Ticker","depth":3,"state":"running","restarts":0"#),
                "\(before)")
        let post = try await HTTPTestAnswer.post(path, port: port, headers: ["X-Mode-Debug: 1"])
        #expect(post.status == 200, "\(post)")
        #expect(post.body.contains(#""done":true"#))
        let after = try await HTTPTestAnswer.get("/debug/api/services", port: port)
        #expect(after.body.contains(#""path":"Worker/AppService/Ticker","label":"Ticker","depth":3,"state":"running","restarts":1"#),
                "\(after)")
        let unknown = try await HTTPTestAnswer.get("/debug/api/nope", port: port)
        #expect(unknown.status == 404)
        child.signal(SIGTERM)
        #expect(try await child.waitForExit().status == 0)
    }
}
