import Synchronization

/// A ring buffer of the last formatted log lines, kept for crash reports.
///
/// ``ModeLogHandler`` appends every record it writes (without colour codes and without the trailing
/// newline), so a crash report can show what the process logged just before it went wrong:
///
/// ```swift
/// let recent = RecentLogLines(capacity: 200)
/// recent.append("[2018-03-27 15:47:12,159: INFO]: [^Worker]: Starting...")
/// for line in recent.snapshot() { print(line) }   // oldest first
/// ```
///
/// - Note: Appending takes a `Mutex`, so it must not be called from a signal handler. A crash reporter
///   should take the ``snapshot()`` ahead of time or from a normal thread.
public final class RecentLogLines: Sendable {
    /// The number of lines kept by default.
    public static let defaultCapacity = 200

    private struct Ring {
        var lines: [String] = []
        var next = 0
        var total = 0
    }

    /// The maximum number of lines kept; older lines are dropped first.
    public let capacity: Int
    private let ring = Mutex(Ring())

    /// Creates an empty buffer.
    ///
    /// ```swift
    /// let recent = RecentLogLines()            // keeps 200 lines
    /// ```
    ///
    /// - Parameter capacity: How many lines to keep (at least 1). Defaults to ``defaultCapacity``.
    public init(capacity: Int = RecentLogLines.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Appends a line, dropping the oldest when the buffer is full.
    ///
    /// ```swift
    /// recent.append("[^Worker]: Stopping...")
    /// ```
    public func append(_ line: String) {
        self.ring.withLock { ring in
            if ring.lines.count < self.capacity {
                ring.lines.append(line)
            } else {
                ring.lines[ring.next] = line
            }
            ring.next = (ring.next + 1) % self.capacity
            ring.total += 1
        }
    }

    /// The kept lines, oldest first.
    ///
    /// ```swift
    /// let lastLines = recent.snapshot()
    /// ```
    public func snapshot() -> [String] {
        self.ring.withLock { ring in
            guard ring.lines.count == self.capacity else { return ring.lines }
            return Array(ring.lines[ring.next...] + ring.lines[..<ring.next])
        }
    }

    /// How many lines were appended since creation (including dropped ones).
    ///
    /// ```swift
    /// let dropped = recent.totalAppended - recent.snapshot().count
    /// ```
    public var totalAppended: Int {
        self.ring.withLock { $0.total }
    }
}
