/// A titled block of text lines appended to a thread dump or a crash report by its owner (the Worker adds
/// "tasks by service", "service tree", "last log lines").
///
/// ```swift
/// let section = DiagnosticSection(title: "service tree", lines: ["App", "└─ PageViewCache"])
/// ```
public struct DiagnosticSection: Sendable, Codable, Equatable {
    /// The section title.
    public var title: String
    /// Its lines, without newlines.
    public var lines: [String]

    /// Creates a section.
    ///
    /// ```swift
    /// DiagnosticSection(title: "tasks", lines: ["App/poll running 12 s"])
    /// ```
    public init(title: String, lines: [String]) {
        self.title = title
        self.lines = lines
    }
}
