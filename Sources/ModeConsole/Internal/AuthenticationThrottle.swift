/// Failed `auth` attempts by peer address, as a pure state machine over a clock: when an address must wait
/// before its next attempt is checked, and which log lines to write about its failures.
///
/// It owns no thread and reads no clock: ``ConsoleAuthenticator`` passes `now` and acts on the answers;
/// tests drive it with a manual clock.
///
/// - **Backoff.** The first ``Policy/freeFailures`` consecutive failures from an address cost nothing;
///   each further one makes the address wait ``Policy/initialBackoff``, then twice as long after every
///   failure, up to ``Policy/maxBackoff``. An attempt made while the address waits is refused unchecked
///   (``Decision/wait(_:)``) and does not lengthen the wait. A success clears the address; so does
///   ``Policy/forgetAfter`` without events.
/// - **Logging.** The first failure from an address is reported at once; later failures and refusals are
///   counted and reported together at most once per ``Policy/logInterval`` (``dueReports(now:)`` hands out
///   counts whose interval has passed, so the last burst of an attack is reported too).
///
/// ```swift
/// var throttle = AuthenticationThrottle<ContinuousClock>(policy: .init())
/// if case .wait(let delay) = throttle.admit("127.0.0.1", now: .now) { refuse(retryIn: delay) }
/// if let report = throttle.recordFailure("127.0.0.1", now: .now) { logger.warning("\(report.message)") }
/// ```
struct AuthenticationThrottle<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    /// The numbers of the throttle; every member has a default.
    struct Policy: Sendable {
        /// Consecutive failures from one address before it has to wait. Default 3.
        var freeFailures = 3
        /// The first wait. Default 1 s; it doubles with every further failure.
        var initialBackoff: Duration = .seconds(1)
        /// The longest wait. Default 30 s.
        var maxBackoff: Duration = .seconds(30)
        /// At most one log line per address per interval. Default 10 s.
        var logInterval: Duration = .seconds(10)
        /// An address without events for this long starts afresh. Default 10 minutes.
        var forgetAfter: Duration = .seconds(600)
        /// The most addresses remembered; beyond it the quietest is forgotten. Default 1024.
        var maxAddresses = 1024
    }

    /// Whether an `auth` attempt may be checked now.
    enum Decision: Equatable, Sendable {
        /// Compare the token.
        case check
        /// Refuse it unchecked: the address may try again after this long.
        case wait(Duration)
    }

    /// One log line about an address's failures.
    struct Report: Equatable, Sendable {
        /// The peer address (without port).
        var address: String
        /// Wrong tokens checked since the previous report.
        var failed: Int
        /// Attempts refused unchecked (the address was waiting) since the previous report.
        var refused: Int
        /// The time the counts cover; `nil` for the first report of an address.
        var interval: Duration?
        /// How long the address must wait now, if it must.
        var backoff: Duration?

        /// The text logged, e.g. `debug console authentication failed 5183 times from 127.0.0.1 in the last
        /// 10.0 s (5180 refused unchecked while throttled); next attempt allowed in 30.0 s`.
        var message: String {
            let total = failed + refused
            var text = "debug console authentication failed"
            text += total == 1 ? " from \(address)" : " \(total) times from \(address)"
            if let interval { text += " in the last \(ConsoleDuration.text(interval, roundingUp: false))" }
            if refused > 0 { text += " (\(refused) refused unchecked while throttled)" }
            if let backoff { text += "; next attempt allowed in \(ConsoleDuration.text(backoff))" }
            return text
        }
    }

    private struct Entry {
        var failures = 0
        var blockedUntil: C.Instant?
        var lastEvent: C.Instant
        var lastReport: C.Instant?
        var unreportedFailed = 0
        var unreportedRefused = 0

        var hasUnreported: Bool { unreportedFailed + unreportedRefused > 0 }
    }

    let policy: Policy
    private var entries: [String: Entry] = [:]

    init(policy: Policy) {
        self.policy = policy
    }

    /// Addresses remembered (for tests and the memory bound).
    var trackedAddresses: Int { entries.count }

    /// Whether an attempt from `address` may be checked at `now`.
    mutating func admit(_ address: String, now: C.Instant) -> Decision {
        guard let entry = current(address, now: now), let until = entry.blockedUntil, now < until else {
            return .check
        }
        return .wait(now.duration(to: until))
    }

    /// A wrong token from `address`; returns the line to log now, if any.
    mutating func recordFailure(_ address: String, now: C.Instant) -> Report? {
        var entry = current(address, now: now) ?? Entry(lastEvent: now)
        entry.failures += 1
        entry.lastEvent = now
        entry.unreportedFailed += 1
        let excess = entry.failures - policy.freeFailures
        if excess > 0 { entry.blockedUntil = now.advanced(by: backoff(afterExcessFailures: excess)) }
        return store(address, entry, now: now)
    }

    /// An attempt from `address` refused unchecked (``admit(_:now:)`` said wait); returns the line to log now.
    mutating func recordRefusal(_ address: String, now: C.Instant) -> Report? {
        var entry = current(address, now: now) ?? Entry(lastEvent: now)
        entry.lastEvent = now
        entry.unreportedRefused += 1
        return store(address, entry, now: now)
    }

    /// The right token from `address`: its failures and wait are cleared (counts not yet logged are kept).
    mutating func recordSuccess(_ address: String, now: C.Instant) {
        guard var entry = entries[address] else { return }
        entry.failures = 0
        entry.blockedUntil = nil
        entry.lastEvent = now
        entries[address] = entry.hasUnreported ? entry : nil
    }

    /// Reports of counts held back whose interval has passed at `now`.
    mutating func dueReports(now: C.Instant) -> [Report] {
        var reports: [Report] = []
        for (address, var entry) in entries where entry.hasUnreported {
            guard let last = entry.lastReport, last.advanced(by: policy.logInterval) <= now else { continue }
            reports.append(takeReport(address, &entry, now: now))
            entries[address] = entry
        }
        return reports.sorted { $0.address < $1.address }
    }

    /// When ``dueReports(now:)`` next has something to hand out.
    var nextReportDeadline: C.Instant? {
        entries.values.filter(\.hasUnreported).compactMap { $0.lastReport?.advanced(by: policy.logInterval) }.min()
    }

    /// The wait after the `excess`-th failure beyond the free ones: initial × 2^(excess-1), capped.
    func backoff(afterExcessFailures excess: Int) -> Duration {
        var wait = policy.initialBackoff
        for _ in 1..<max(1, excess) {
            wait *= 2
            if wait >= policy.maxBackoff { break }
        }
        return min(wait, policy.maxBackoff)
    }

    /// The entry of `address`, or `nil` when there is none or it has been quiet long enough to forget.
    private mutating func current(_ address: String, now: C.Instant) -> Entry? {
        guard let entry = entries[address] else { return nil }
        guard entry.lastEvent.advanced(by: policy.forgetAfter) <= now, !entry.hasUnreported else { return entry }
        entries[address] = nil
        return nil
    }

    private mutating func store(_ address: String, _ entry: Entry, now: C.Instant) -> Report? {
        var entry = entry
        var report: Report?
        if entry.lastReport.map({ $0.advanced(by: policy.logInterval) <= now }) ?? true {
            report = takeReport(address, &entry, now: now)
        }
        if entries[address] == nil && entries.count >= policy.maxAddresses { forgetQuietest() }
        entries[address] = entry
        return report
    }

    private func takeReport(_ address: String, _ entry: inout Entry, now: C.Instant) -> Report {
        let report = Report(
            address: address, failed: entry.unreportedFailed, refused: entry.unreportedRefused,
            interval: entry.lastReport.map { $0.duration(to: now) },
            backoff: entry.blockedUntil.flatMap { now < $0 ? now.duration(to: $0) : nil })
        entry.lastReport = now
        entry.unreportedFailed = 0
        entry.unreportedRefused = 0
        return report
    }

    private mutating func forgetQuietest() {
        if let quietest = entries.min(by: { $0.value.lastEvent < $1.value.lastEvent })?.key {
            entries[quietest] = nil
        }
    }
}
