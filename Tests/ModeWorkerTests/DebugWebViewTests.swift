import Foundation
import ModeConsole
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import ModeWorker

/// The web view's page and JSON API over a real socket, in process, on an ephemeral port, with a registry of
/// commands whose answers are fixed (the real Worker's commands: `WorkerWebViewTests`).
@Suite("Debug web view", .serialized)
struct DebugWebViewTests {
    final class Count: Sendable {
        let value = Mutex(0)
    }

    final class Fixture: Sendable {
        let registry = ConsoleCommandRegistry()
        let restarts = Count()
        let slowStarted: AsyncStream<Void>
        private let slowStartedContinuation: AsyncStream<Void>.Continuation
        let slowRelease = DispatchSemaphore(value: 0)

        init() {
            (slowStarted, slowStartedContinuation) = AsyncStream.makeStream()
            registry.register(ConsoleCommand(name: "ps", aliases: ["p"], summary: "Tasks") { invocation in
                ConsoleOutput(text: "1 task", json: [
                    "tasks": [["id": 7, "name": "poll", "service": "Worker/App", "state": "suspended"]],
                    "arguments": .array(invocation.arguments.map(JSONValue.string)),
                ])
            })
            registry.register(ConsoleCommand(name: "services", summary: "Services") { _ in
                ConsoleOutput(text: "Worker", json: ["services": [["path": "Worker", "label": "Worker"]]])
            })
            registry.register(ConsoleCommand(name: "where", summary: "One task", usage: "where <task-id>") { _ in
                throw ConsoleError.notFound("no task with id 99 (see ps)")
            })
            registry.register(ConsoleCommand(name: "restart", summary: "Restart") { [restarts] invocation in
                let count = restarts.value.withLock { count in
                    count += 1
                    return count
                }
                return ConsoleOutput(text: "restarted", json: ["restarted": .string(invocation.arguments.joined()),
                                                                "count": .int(count)])
            })
            let started = slowStartedContinuation
            let release = slowRelease
            registry.register(ConsoleCommand(name: "stats", summary: "Slow") { _ in
                started.yield()
                release.wait()
                return ConsoleOutput(text: "slow", json: ["slow": true])
            })
        }
    }

    func start(token: String? = nil) throws -> (HTTPEndpoint, Int, Fixture) {
        let fixture = Fixture()
        let view = DebugWebView(registry: fixture.registry, checksHost: token == nil)
        let endpoint = HTTPEndpoint(
            configuration: .init(port: 0, token: token),
            routes: ["/healthz": { HTTPEndpointResponse(status: .ok, body: "ok\n") }], subtrees: [view.subtree])
        let address = try endpoint.start()
        return (endpoint, try #require(address.port), fixture)
    }

    @Test("/debug/ is an HTML page whose script and style come from the binary")
    func pageIsServed() async throws {
        let (endpoint, port, _) = try start()
        defer { endpoint.shutdown() }
        let page = try await HTTPTestAnswer.get("/debug/", port: port)
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(page.body.contains(#"<script src="app.js" defer></script>"#))
        #expect(!page.body.contains("http://") && !page.body.contains("https://"), "the page loads nothing remote")
        let script = try await HTTPTestAnswer.get("/debug/app.js", port: port)
        #expect(script.status == 200)
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(script.body.contains(#"step("services""#) && script.body.contains(#"fetch("api/" + command"#))
        let style = try await HTTPTestAnswer.get("/debug/app.css", port: port)
        #expect(style.headers["content-type"] == "text/css; charset=utf-8")
        let bare = try await HTTPTestAnswer.get("/debug", port: port)
        #expect(bare.status == 308)
        #expect(bare.headers["location"] == "/debug/")
        #expect(try await HTTPTestAnswer.get("/debug/nope", port: port).status == 404)
        #expect(try await HTTPTestAnswer.post("/debug/", port: port, headers: ["X-Mode-Debug: 1"]).status == 405)
    }

    @Test("/debug/api/<command> answers byte for byte what `json <command>` prints in the console")
    func apiIsTheConsolesJSON() async throws {
        let (endpoint, port, fixture) = try start()
        defer { endpoint.shutdown() }
        let cases = [
            ("/debug/api/ps", "json ps"), ("/debug/api/p", "json p"), ("/debug/api/services", "json services"),
            ("/debug/api/help", "json help"), ("/debug/api/ps?arg=-t&arg=a%20b", "json ps -t 'a b'"),
            ("/debug/api/help?arg=ps", "json help ps"),
        ]
        for (path, line) in cases {
            let answer = try await HTTPTestAnswer.get(path, port: port)
            #expect(answer.status == 200, "\(path): \(answer)")
            #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
            #expect(answer.body == fixture.registry.execute(line: line).text + "\n", "\(path)")
            #expect((try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) != nil, "\(path): not JSON")
        }
        let index = try await HTTPTestAnswer.get("/debug/api/", port: port)
        let commands = try #require(
            (try JSONSerialization.jsonObject(with: Data(index.body.utf8)) as? [String: Any])?["commands"]
                as? [[String: Any]])
        let methods = Dictionary(uniqueKeysWithValues: commands.map {
            ($0["name"] as? String ?? "", $0["methods"] as? [String] ?? [])
        })
        #expect(methods["ps"] == ["GET", "POST"])
        #expect(methods["restart"] == ["POST"])
        #expect(methods["exit"] == nil && methods["json"] == nil, "console-only commands are not served")
    }

    @Test("a command that changes state refuses GET and a POST without X-Mode-Debug or from another origin")
    func mutatingCommandsNeedPOST() async throws {
        let (endpoint, port, fixture) = try start()
        defer { endpoint.shutdown() }
        let get = try await HTTPTestAnswer.get("/debug/api/restart?arg=Worker/App", port: port)
        #expect(get.status == 405)
        #expect(get.headers["allow"] == "POST")
        #expect(get.body.contains(#""error":"/debug/api/restart changes the Worker"#), "\(get)")
        let bare = try await HTTPTestAnswer.post("/debug/api/restart?arg=Worker/App", port: port)
        #expect(bare.status == 403)
        #expect(bare.body.contains("X-Mode-Debug"))
        let crossSite = try await HTTPTestAnswer.post(
            "/debug/api/restart?arg=Worker/App", port: port,
            headers: ["X-Mode-Debug: 1", "Origin: http://evil.example"])
        #expect(crossSite.status == 403)
        #expect(fixture.restarts.value.withLock { $0 } == 0, "no refused request ran the command")
        let post = try await HTTPTestAnswer.post(
            "/debug/api/restart?arg=Worker/App", port: port,
            headers: ["X-Mode-Debug: 1", "Origin: http://127.0.0.1:\(port)"])
        #expect(post.status == 200, "\(post)")
        #expect(post.body == #"{"restarted":"Worker/App","count":1}"# + "\n")
        let put = try await HTTPTestAnswer.request("PUT", "/debug/api/ps", port: port)
        #expect(put.status == 405)
        #expect(put.headers["allow"] == "GET, POST")
    }

    @Test("unknown commands are 404, a command's error 400, each with a JSON error document")
    func errorsAreJSON() async throws {
        let (endpoint, port, _) = try start()
        defer { endpoint.shutdown() }
        let unknown = try await HTTPTestAnswer.get("/debug/api/pss", port: port)
        #expect(unknown.status == 404)
        #expect(unknown.headers["content-type"] == "application/json; charset=utf-8")
        #expect(unknown.body == #"{"error":"unknown command 'pss'. Did you mean 'ps'?"}"# + "\n")
        let consoleOnly = try await HTTPTestAnswer.get("/debug/api/exit", port: port)
        #expect(consoleOnly.status == 404)
        #expect(consoleOnly.body.contains("console-only"))
        let failing = try await HTTPTestAnswer.get("/debug/api/where?arg=99", port: port)
        #expect(failing.status == 400)
        #expect(failing.body == #"{"error":"no task with id 99 (see ps)"}"# + "\n")
        let badQuery = try await HTTPTestAnswer.get("/debug/api/ps?filter=x", port: port)
        #expect(badQuery.status == 400)
        #expect(badQuery.body.contains("unknown query item 'filter'"))
        let body = "POST /debug/api/ps HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Mode-Debug: 1\r\nContent-Length: 2\r\n\r\n{}"
        #expect(try await HTTPTestAnswer.exchange(Array(body.utf8), port: port).status == 413)
    }

    @Test("with a token every /debug request needs it (Bearer or a browser's Basic password); 401 asks for Basic")
    func tokenIsRequired() async throws {
        let (endpoint, port, _) = try start(token: "s3cret")
        defer { endpoint.shutdown() }
        for path in ["/debug/", "/debug/api/ps"] {
            let missing = try await HTTPTestAnswer.get(path, port: port)
            #expect(missing.status == 401)
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Basic realm=") == true, "\(missing)")
        }
        let basic = "Authorization: Basic " + Data("ops:s3cret".utf8).base64EncodedString()
        let wrongBasic = "Authorization: Basic " + Data("ops:guess".utf8).base64EncodedString()
        #expect(try await HTTPTestAnswer.get("/debug/api/ps", port: port, headers: [wrongBasic]).status == 401)
        #expect(try await HTTPTestAnswer.get("/debug/api/ps", port: port, headers: [basic]).status == 200)
        let bearer = try await HTTPTestAnswer.get(
            "/debug/api/ps", port: port, headers: ["Authorization: Bearer s3cret", "Host: worker.internal:9090"])
        #expect(bearer.status == 200, "with a token any Host is served")
        let healthz = try await HTTPTestAnswer.get("/healthz", port: port)
        #expect(healthz.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "plain routes still ask for Bearer")
    }

    @Test("without a token, a Host that is not loopback is refused (DNS rebinding)")
    func loopbackHostOnlyWithoutToken() async throws {
        let (endpoint, port, _) = try start()
        defer { endpoint.shutdown() }
        let rebound = try await HTTPTestAnswer.get("/debug/api/ps", port: port, headers: ["Host: evil.example:\(port)"])
        #expect(rebound.status == 403)
        #expect(rebound.body.contains("not a loopback name"))
        for host in ["localhost:\(port)", "[::1]:\(port)", "127.0.0.1"] {
            #expect(try await HTTPTestAnswer.get("/debug/api/ps", port: port, headers: ["Host: \(host)"]).status == 200)
        }
    }

    @Test("a slow command runs off the event loop: /healthz answers while it runs")
    func slowCommandDoesNotBlockProbes() async throws {
        let (endpoint, port, fixture) = try start()
        defer {
            fixture.slowRelease.signal()  // never leave the command thread parked, even when an expectation fails
            endpoint.shutdown()
        }
        async let slow = HTTPTestAnswer.get("/debug/api/stats", port: port)
        var started = fixture.slowStarted.makeAsyncIterator()
        _ = await started.next()
        let healthz = try await HTTPTestAnswer.get("/healthz", port: port)
        fixture.slowRelease.signal()
        #expect(healthz.status == 200)
        #expect(try await slow.body == #"{"slow":true}"# + "\n")
    }
}
