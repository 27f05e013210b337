import Logging
import Synchronization

/// A runtime-adjustable log level shared by a set of ``ModeLogHandler``s (those of one bootstrap).
///
/// swift-log copies a handler into every `Logger`, so changing one logger's `logLevel` does not reach the
/// others. ``ModeLogHandler`` therefore reads its level from its configuration's `LogLevelControl` on every
/// call (one atomic load), and the debug console's `loglevel debug` command changes the level of every
/// existing logger at once. ``ModeLogging/bootstrap(_:environment:metadataProvider:)`` creates one and returns
/// it as ``ModeLogging/levelControl``:
///
/// ```swift
/// let logging = try ModeLogging.bootstrap(options)
/// logging.levelControl.level = .debug          // every mode logger now logs debug
/// let level = logging.levelControl.level       // .debug
/// ```
///
/// A logger whose `logLevel` was set explicitly (`logger.logLevel = .trace`) keeps that override and no
/// longer follows the control; see ``ModeLogHandler/logLevel``.
public final class LogLevelControl: Sendable {
    private let storage: Atomic<UInt8>

    /// Creates a control (one per set of handlers).
    ///
    /// ```swift
    /// let control = LogLevelControl(level: .debug)
    /// ```
    ///
    /// - Parameter level: The initial level. Defaults to `.info`.
    public init(level: Logger.Level = .info) {
        self.storage = Atomic(Self.code(of: level))
    }

    /// The current level. Reading and writing are atomic and lock-free; a write is seen by every handler's
    /// next log call.
    ///
    /// ```swift
    /// control.level = .notice
    /// ```
    public var level: Logger.Level {
        get { Self.level(ofCode: self.storage.load(ordering: .relaxed)) }
        set { self.storage.store(Self.code(of: newValue), ordering: .relaxed) }
    }

    /// Parses a level name as users type it: `trace`, `debug`, `info`, `notice`, `warning` (or `warn`),
    /// `error`, `critical`, case-insensitive, surrounding whitespace ignored. Returns `nil` for anything else.
    ///
    /// ```swift
    /// LogLevelControl.parseLevel("WARN")      // .warning
    /// LogLevelControl.parseLevel("verbose")   // nil
    /// ```
    public static func parseLevel(_ name: String) -> Logger.Level? {
        let trimmed = name.trimmingASCIIWhitespace().lowercased()
        if trimmed == "warn" { return .warning }
        return Logger.Level(rawValue: trimmed)
    }

    /// The names ``parseLevel(_:)`` accepts, in severity order (for help and error texts).
    ///
    /// ```swift
    /// print(LogLevelControl.levelNames.joined(separator: ", "))
    /// ```
    public static let levelNames: [String] = Logger.Level.allCases.map(\.rawValue)

    private static func code(of level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2)
    }

    private static func level(ofCode code: UInt8) -> Logger.Level {
        let all = Logger.Level.allCases
        return Int(code) < all.count ? all[Int(code)] : .info
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and newlines (no Foundation needed).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = self.firstIndex(where: { !isSpace($0) }),
            let end = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[start...end])
    }
}
