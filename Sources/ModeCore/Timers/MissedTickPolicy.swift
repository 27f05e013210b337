/// What a fixed-rate timer does with ticks whose time passed while it was late or still running.
///
/// ```swift
/// var configuration = TimerConfiguration(interval: .seconds(1))
/// configuration.missedTickPolicy = .skip                 // default: realign to the grid
/// configuration.missedTickPolicy = .runLate(atMost: 3)   // catch up on at most 3 missed ticks
/// ```
public struct MissedTickPolicy: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
        case skip
        case runLate(maximum: Int?)
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// Missed ticks are dropped (and counted in ``TimerStatistics/skipped``): the late tick runs once, and the
    /// next one is the next point of the `t0 + k·interval` grid. Tokio's `MissedTickBehavior::Skip`.
    public static let skip = Self(.skip)

    /// Every missed tick runs, late, back to back, until the timer has caught up with the grid.
    /// Tokio's `MissedTickBehavior::Burst`; after a long stall this can be a long burst, so prefer
    /// ``runLate(atMost:)``.
    public static let runLate = Self(.runLate(maximum: nil))

    /// Like ``runLate`` but at most `maximum` missed ticks are run late; older ones are skipped.
    public static func runLate(atMost maximum: Int) -> Self { Self(.runLate(maximum: max(0, maximum))) }

    /// How many of `missed` overdue grid points to run late (the rest are skipped).
    func ticksToRunLate(missed: Int64) -> Int64 {
        switch wrapped {
        case .skip: 0
        case .runLate(let maximum): maximum.map { min(missed, Int64($0)) } ?? missed
        }
    }

    public var description: String {
        switch wrapped {
        case .skip: "skip"
        case .runLate(nil): "runLate"
        case .runLate(let maximum?): "runLate(atMost: \(maximum))"
        }
    }
}
