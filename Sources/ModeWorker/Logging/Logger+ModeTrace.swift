import Logging
import ModeCore

extension Logger.MetadataProvider {
    /// `trace_id` and `span_id` of the calling task's `ServiceContext` (as the bootstrapped tracer propagates
    /// it, see ``ModeCore/TraceIdentity``), nothing when there is no context or no tracer.
    ///
    /// The Worker's logging uses it by default (``WorkerLogging/metadataProvider``); the JSON log format writes
    /// the two keys as top-level fields. Combine it with another provider with `.multiplex`:
    ///
    /// ```swift
    /// let logging = WorkerLogging(metadataProvider: .multiplex([.modeTrace, tenantProvider]))
    /// ```
    public static var modeTrace: Logger.MetadataProvider {
        Logger.MetadataProvider {
            guard let identity = TraceIdentity.current else { return [:] }
            var metadata: Logger.Metadata = ["trace_id": .string(identity.traceID)]
            if let spanID = identity.spanID { metadata["span_id"] = .string(spanID) }
            return metadata
        }
    }
}
