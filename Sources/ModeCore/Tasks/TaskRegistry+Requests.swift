extension TaskRegistry {
    /// Runs `operation` (one request a server handles) as a named scope of the calling task, carrying the
    /// request's trace identity.
    ///
    /// While it runs, the request is a live task of kind ``TaskKind/request`` (`ps` lists it with its trace
    /// id), and a stall or a crash in it, or in a child task or `Task {}` it creates, is reported with the
    /// request's name, its service (the service of the task it runs in) and ``TraceIdentity``. Logs written
    /// inside carry the trace too when the Worker's logging reads it (see `WorkerLogging`).
    ///
    /// `trace` defaults to the identity of `ServiceContext.current` (set by a tracing middleware, e.g.
    /// Hummingbird's `TracingMiddleware`, through the bootstrapped tracer); pass one explicitly when the ids
    /// come from elsewhere (a `traceparent` header: ``TraceIdentity/init(traceparent:)``).
    ///
    /// ```swift
    /// // A Hummingbird middleware, after TracingMiddleware:
    /// func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    ///     async throws -> Response {
    ///     try await tasks.withRequest("\(request.method) \(request.uri.path)") { try await next(request, context) }
    /// }
    /// ```
    ///
    /// Cost: one registration and one end in the registry (two short lock holds) per request; the record goes
    /// to the finished history like any task's.
    public func withRequest<T>(
        _ name: String, trace: TraceIdentity? = .current, fileID: String = #fileID, line: Int = #line,
        isolation: isolated (any Actor)? = #isolation, operation: () async throws -> T
    ) async rethrows -> T {
        let servicePath = TaskRegistry.currentTaskID.flatMap { record(id: $0)?.servicePath }
        return try await withScope(
            name, kind: .request, servicePath: servicePath, creationSite: "\(fileID):\(line)", trace: trace,
            isolation: isolation, operation: operation)
    }
}
