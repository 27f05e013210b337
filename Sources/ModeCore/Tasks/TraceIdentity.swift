import Instrumentation

/// The trace and span a piece of work belongs to, as a distributed-tracing system names them: what a stall
/// report, a crash report and a JSON log line carry so that they can be found next to the request's trace.
///
/// swift-mode reads it from swift-distributed-tracing's `ServiceContext` without knowing the tracer: the
/// bootstrapped instrument injects the context into propagation headers and ``init(propagationHeaders:)``
/// reads them (W3C `traceparent`, as swift-otel and every OpenTelemetry propagator write it; B3; or any pair
/// of keys naming a trace id and a span id, as swift-distributed-tracing's `InMemoryTracer` writes them).
///
/// ```swift
/// let identity = TraceIdentity(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
/// print(identity?.traceID ?? "-")   // 4bf92f3577b34da6a3ce929d0e0e4736
/// ```
public struct TraceIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The trace id (W3C: 32 lowercase hex digits).
    public var traceID: String
    /// The span id (W3C: 16 lowercase hex digits), when known.
    public var spanID: String?

    /// An identity from ids the application already has.
    ///
    /// ```swift
    /// let identity = TraceIdentity(traceID: request.traceID, spanID: nil)
    /// ```
    public init(traceID: String, spanID: String? = nil) {
        self.traceID = traceID
        self.spanID = spanID
    }

    /// Parses a W3C `traceparent` header (`version-traceid-spanid-flags`); `nil` when it is not one, or when
    /// its trace or span id is all zeros (invalid by the specification).
    ///
    /// ```swift
    /// let identity = request.headers["traceparent"].flatMap(TraceIdentity.init(traceparent:))
    /// ```
    public init?(traceparent: String) {
        let trimmed = traceparent.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        let fields = String(trimmed).split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0].count == 2, fields[0] != "ff", Self.isHex(fields[0]),
            fields[1].count == 32, Self.isHex(fields[1]), !Self.isZero(fields[1]),
            fields[2].count == 16, Self.isHex(fields[2]), !Self.isZero(fields[2]),
            fields[3].count == 2, Self.isHex(fields[3])
        else { return nil }
        // Version 00 has exactly four fields; later versions may append fields.
        if fields[0] == "00" && fields.count != 4 { return nil }
        self.init(traceID: fields[1].lowercased(), spanID: fields[2].lowercased())
    }

    /// Reads the identity from propagation headers (keys compared case-insensitively): W3C `traceparent`
    /// first, then B3 (`b3` single header, or `x-b3-traceid`/`x-b3-spanid`), then any key containing
    /// "trace" and "id" with a key containing "span" and "id". `nil` when none is there.
    ///
    /// ```swift
    /// TraceIdentity(propagationHeaders: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
    /// ```
    public init?(propagationHeaders headers: [String: String]) {
        var lowered: [String: String] = [:]
        for (key, value) in headers { lowered[key.lowercased()] = value }
        if let parent = lowered["traceparent"], let identity = TraceIdentity(traceparent: parent) {
            self = identity
            return
        }
        if let single = lowered["b3"] {
            let parts = single.split(separator: "-")
            if parts.count >= 2, Self.isHex(parts[0]), Self.isHex(parts[1]) {
                self.init(traceID: String(parts[0]).lowercased(), spanID: String(parts[1]).lowercased())
                return
            }
        }
        if let trace = lowered["x-b3-traceid"], !trace.isEmpty {
            self.init(traceID: trace.lowercased(), spanID: lowered["x-b3-spanid"].map { $0.lowercased() })
            return
        }
        let traceKey = lowered.keys.sorted().first { $0.contains("trace") && $0.contains("id") && !$0.contains("span") }
        guard let traceKey, let trace = lowered[traceKey], !trace.isEmpty else { return nil }
        let spanKey = lowered.keys.sorted().first { $0.contains("span") && $0.contains("id") && !$0.contains("parent") }
        self.init(traceID: trace, spanID: spanKey.flatMap { lowered[$0] })
    }

    /// The identity of `context`, as the bootstrapped instrument propagates it (`nil` without a tracer, or
    /// when the context carries no span).
    ///
    /// ```swift
    /// let identity = TraceIdentity(context: ServiceContext.current ?? .topLevel)
    /// ```
    public init?(context: ServiceContext) {
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderInjector())
        guard !headers.isEmpty else { return nil }
        self.init(propagationHeaders: headers)
    }

    /// The identity of the calling task's `ServiceContext.current`, if it has one.
    ///
    /// ```swift
    /// try await registry.withRequest("GET /users", trace: .current) { try await handle() }
    /// ```
    public static var current: TraceIdentity? {
        ServiceContext.current.flatMap { TraceIdentity(context: $0) }
    }

    /// `trace=<id> span=<id>`.
    public var description: String {
        spanID.map { "trace=\(traceID) span=\($0)" } ?? "trace=\(traceID)"
    }

    private struct HeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    private static func isHex(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }

    private static func isZero(_ text: Substring) -> Bool { text.utf8.allSatisfy { $0 == 48 } }
}
