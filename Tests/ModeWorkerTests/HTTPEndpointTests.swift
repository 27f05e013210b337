import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import ModeWorker

/// The HTTP endpoint's protocol rules over a real socket, in process, on an ephemeral port.
@Suite("HTTP endpoint", .serialized)
struct HTTPEndpointTests {
    func start(_ configuration: HTTPEndpoint.Configuration = .init()) throws -> (HTTPEndpoint, Int) {
        let endpoint = HTTPEndpoint(configuration: configuration, routes: [
            "/hello": { HTTPEndpointResponse(status: .ok, body: "hello\n") },
        ])
        let address = try endpoint.start()
        return (endpoint, try #require(address.port))
    }

    @Test func servesARouteAndCloses() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let answer = try await HTTPTestAnswer.get("/hello?x=1", port: port)
        #expect(answer.status == 200)
        #expect(answer.body == "hello\n")
        #expect(answer.headers["connection"] == "close")
        #expect(answer.headers["content-length"] == "6")
    }

    @Test func unknownPathIs404() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let answer = try await HTTPTestAnswer.get("/nope", port: port)
        #expect(answer.status == 404)
        #expect(answer.body.contains("/nope (served: /hello)"), "\(answer)")
    }

    @Test func otherMethodsAre405() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        for method in ["DELETE", "PUT", "OPTIONS"] {
            let request = "\(method) /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let answer = try await HTTPTestAnswer.exchange(Array(request.utf8), port: port)
            #expect(answer.status == 405, "\(method): \(answer)")
            #expect(answer.headers["allow"] == "GET")
        }
    }

    @Test func aRequestBodyIs413() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let request = "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let answer = try await HTTPTestAnswer.exchange(Array(request.utf8), port: port)
        #expect(answer.status == 413, "\(answer)")
        let chunked = "GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        #expect(try await HTTPTestAnswer.exchange(Array(chunked.utf8), port: port).status == 413)
    }

    @Test func aMalformedRequestIs400() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let answer = try await HTTPTestAnswer.exchange(Array("HELLO THERE\r\n\r\n".utf8), port: port)
        #expect(answer.status == 400, "\(answer)")
        #expect(answer.body.hasPrefix("400 bad request: malformed HTTP request"))
    }

    @Test func aHeadOverTheLimitIs431() async throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let padding = String(repeating: "a", count: 9000)
        let request = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding)\r\n\r\n"
        let answer = try await HTTPTestAnswer.exchange(Array(request.utf8), port: port)
        #expect(answer.status == 431, "\(answer)")
        #expect(answer.body.contains("exceeds 8192 bytes"))
    }

    @Test func aTokenIsRequiredWhenSet() async throws {
        let (endpoint, port) = try start(.init(token: "s3cret"))
        defer { endpoint.shutdown() }
        let missing = try await HTTPTestAnswer.get("/hello", port: port)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        let wrong = try await HTTPTestAnswer.get("/hello", port: port, headers: ["Authorization: Bearer s3cre"])
        #expect(wrong.status == 401)
        let basic = try await HTTPTestAnswer.get("/hello", port: port, headers: ["Authorization: Basic s3cret"])
        #expect(basic.status == 401)
        let right = try await HTTPTestAnswer.get("/hello", port: port, headers: ["Authorization: Bearer s3cret"])
        #expect(right.status == 200)
        #expect(right.body == "hello\n")
    }

    @Test func connectionsBeyondTheLimitGet503() async throws {
        let (endpoint, port) = try start(.init(maxConnections: 1))
        defer { endpoint.shutdown() }
        let holder = try ConsoleClient(port: port)  // connected, sends nothing: holds the only slot
        // The listener accepts in order on its one event loop: the holder's connection is admitted first.
        let rejected = try await HTTPTestAnswer.get("/hello", port: port)
        #expect(rejected.status == 503, "\(rejected)")
        #expect(rejected.body.contains("too many connections (max 1)"))
        try await holder.reset()
        _ = holder
    }

    @Test func anIdleConnectionIsClosed() async throws {
        let (endpoint, port) = try start(.init(idleTimeout: .milliseconds(200)))
        defer { endpoint.shutdown() }
        let idle = try ConsoleClient(port: port)  // connects and sends nothing
        // Returns at EOF when the server closes the connection, or after the client's own 30 s timeout, in
        // which case the server still counts the connection and the wait below fails.
        let read = try await idle.readToEnd()
        #expect(read.isEmpty)
        let deadline = ContinuousClock.now + ChildWorker.deadline
        while endpoint.openConnections > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(endpoint.openConnections == 0, "the idle connection is still open")
    }

    @Test func aBindFailureSaysWhy() throws {
        let (endpoint, port) = try start()
        defer { endpoint.shutdown() }
        let second = HTTPEndpoint(configuration: .init(port: port), routes: [:])
        #expect {
            try second.start()
        } throws: { error in
            "\(error)".hasPrefix("cannot listen on 127.0.0.1:\(port): address already in use")
        }
    }
}
