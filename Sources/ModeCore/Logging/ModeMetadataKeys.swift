/// The swift-log metadata keys swift-mode sets. All are prefixed `mode.`.
///
/// ```swift
/// if case .string(let path)? = metadata[ModeMetadataKeys.service] { ... }
/// ```
public enum ModeMetadataKeys {
    /// The path of the service that logged (`Worker/AppService/Webserver`).
    public static let service = "mode.service"
    /// The id of the task that logged, when known.
    public static let task = "mode.task"
}
