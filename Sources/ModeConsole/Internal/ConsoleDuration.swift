/// Durations as the console shows them to people: seconds with one decimal, rounded up (`0.3 s`, `30.0 s`),
/// so that "try again in 0.3 s" is never too early.
enum ConsoleDuration {
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenthInAttoseconds: Int64 = 100_000_000_000_000_000
        let tenths = seconds * 10 + (attoseconds + tenthInAttoseconds - 1) / tenthInAttoseconds
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
