/// Durations as the console shows them to people: seconds with one decimal (`0.3 s`, `30.0 s`). Waits are
/// rounded up, so that "try again in 0.3 s" is never too early; spans already measured to the nearest tenth.
package enum ConsoleDuration {
    package static func text(_ duration: Duration, roundingUp: Bool = true) -> String {
        let (seconds, attoseconds) = duration.components
        let tenthInAttoseconds: Int64 = 100_000_000_000_000_000
        let rounding = roundingUp ? tenthInAttoseconds - 1 : tenthInAttoseconds / 2
        let tenths = seconds * 10 + (attoseconds + rounding) / tenthInAttoseconds
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
