import ModeCore

extension Worker {
    /// Runs `operation` (one request a server handles) as a named task of the Worker's tree, carrying the
    /// request's trace: a stall or crash inside is reported with the request's name, its service and its
    /// trace and span ids; `ps` lists the request while it runs. See
    /// ``ModeCore/TaskRegistry/withRequest(_:trace:fileID:line:isolation:operation:)``.
    ///
    /// ```swift
    /// // A Hummingbird middleware, added after TracingMiddleware:
    /// struct ModeRequests<Context: RequestContext>: RouterMiddleware {
    ///     let worker: Worker
    ///     func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    ///         async throws -> Response {
    ///         try await worker.withRequest("\(request.method) \(request.uri.path)") { try await next(request, context) }
    ///     }
    /// }
    /// ```
    public func withRequest<T>(
        _ name: String, trace: TraceIdentity? = .current, fileID: String = #fileID, line: Int = #line,
        isolation: isolated (any Actor)? = #isolation, operation: () async throws -> T
    ) async rethrows -> T {
        try await lifecycle.tree.tasks.withRequest(
            name, trace: trace, fileID: fileID, line: line, isolation: isolation, operation: operation)
    }
}
