import ModeTestKit
import Testing

@testable import ModeConsole

/// The per-address throttle of failed `auth` attempts, driven by a manual clock.
@Suite("Authentication throttle")
struct AuthenticationThrottleTests {
    typealias Throttle = AuthenticationThrottle<ManualClock>

    private func policy() -> Throttle.Policy {
        var policy = Throttle.Policy()
        policy.freeFailures = 3
        policy.initialBackoff = .seconds(1)
        policy.maxBackoff = .seconds(8)
        policy.logInterval = .seconds(10)
        policy.forgetAfter = .seconds(600)
        return policy
    }

    @Test func backoffStartsAfterTheFreeFailuresDoublesAndIsCapped() {
        let clock = ManualClock()
        var throttle = Throttle(policy: policy())
        let address = "127.0.0.1"
        for _ in 0..<3 {
            #expect(throttle.admit(address, now: clock.now) == .check)
            _ = throttle.recordFailure(address, now: clock.now)
        }
        #expect(throttle.admit(address, now: clock.now) == .check)  // the 3 free failures cost nothing
        var waits: [Duration] = []
        for _ in 0..<6 {
            _ = throttle.recordFailure(address, now: clock.now)
            guard case .wait(let wait) = throttle.admit(address, now: clock.now) else {
                Issue.record("expected a wait")
                return
            }
            waits.append(wait)
            clock.advance(by: wait - .milliseconds(1))
            #expect(throttle.admit(address, now: clock.now) == .wait(.milliseconds(1)))
            _ = throttle.recordRefusal(address, now: clock.now)  // refused attempts do not lengthen the wait
            clock.advance(by: .milliseconds(1))
            #expect(throttle.admit(address, now: clock.now) == .check)
        }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(throttle.admit("127.0.0.2", now: clock.now) == .check)  // other addresses are not affected
    }

    @Test func aSuccessOrLongQuietClearsTheAddress() {
        let clock = ManualClock()
        var throttle = Throttle(policy: policy())
        for _ in 0..<4 { _ = throttle.recordFailure("10.0.0.1", now: clock.now) }
        #expect(throttle.admit("10.0.0.1", now: clock.now) == .wait(.seconds(1)))
        clock.advance(by: .seconds(1))
        throttle.recordSuccess("10.0.0.1", now: clock.now)
        _ = throttle.recordFailure("10.0.0.1", now: clock.now)
        #expect(throttle.admit("10.0.0.1", now: clock.now) == .check)  // counting starts again

        for _ in 0..<4 { _ = throttle.recordFailure("10.0.0.2", now: clock.now) }
        clock.advance(by: .seconds(10))
        _ = throttle.dueReports(now: clock.now)
        clock.advance(by: .seconds(600))
        _ = throttle.recordFailure("10.0.0.2", now: clock.now)
        #expect(throttle.admit("10.0.0.2", now: clock.now) == .check)  // forgotten after 10 quiet minutes
    }

    @Test func failuresAreReportedOncePerIntervalWithACount() {
        let clock = ManualClock()
        var throttle = Throttle(policy: policy())
        var reports: [Throttle.Report] = []
        // 1,728 attempts per second for 3 seconds, as in the issue: checked while allowed, refused while waiting.
        for _ in 0..<3 {
            for _ in 0..<1728 {
                let report: Throttle.Report?
                if case .wait = throttle.admit("127.0.0.1", now: clock.now) {
                    report = throttle.recordRefusal("127.0.0.1", now: clock.now)
                } else {
                    report = throttle.recordFailure("127.0.0.1", now: clock.now)
                }
                if let report { reports.append(report) }
                clock.advance(by: .microseconds(578))
            }
        }
        #expect(reports.count == 1)
        #expect(reports.first == Throttle.Report(address: "127.0.0.1", failed: 1, refused: 0, interval: nil, backoff: nil))
        #expect(reports.first?.message == "debug console authentication failed from 127.0.0.1")
        #expect(throttle.dueReports(now: clock.now).isEmpty)  // the interval has not passed yet
        #expect(throttle.nextReportDeadline == ManualClock.Instant(.seconds(10)))

        clock.advance(to: ManualClock.Instant(.seconds(10)))
        let due = throttle.dueReports(now: clock.now)
        #expect(due.count == 1)
        let summary = due[0]
        #expect(summary.failed + summary.refused == 3 * 1728 - 1)
        // Tokens checked: 3 free, the 4th (starts a 1 s wait), the 5th after it (a 2 s wait outlasting the
        // burst); the first was reported at once, so this line counts 4 checked and the rest refused.
        #expect(summary.failed == 4)
        #expect(summary.interval == .seconds(10))
        #expect(summary.message.hasPrefix("debug console authentication failed 5183 times from 127.0.0.1 in the last 10.0 s (5179 refused unchecked while throttled)"))
        #expect(throttle.dueReports(now: clock.now).isEmpty)
        #expect(throttle.nextReportDeadline == nil)
    }

    @Test func theAddressTableIsBounded() {
        let clock = ManualClock()
        var policy = policy()
        policy.maxAddresses = 8
        var throttle = Throttle(policy: policy)
        for index in 0..<100 {
            _ = throttle.recordFailure("10.0.0.\(index)", now: clock.now)
            clock.advance(by: .milliseconds(1))
        }
        #expect(throttle.trackedAddresses == 8)
    }

    @Test func durationsAreShownInTenthsRoundedUp() {
        #expect(ConsoleDuration.text(.seconds(30)) == "30.0 s")
        #expect(ConsoleDuration.text(.milliseconds(201)) == "0.3 s")
        #expect(ConsoleDuration.text(.milliseconds(1)) == "0.1 s")
        #expect(ConsoleDuration.text(.zero) == "0.0 s")
        #expect(ConsoleDuration.text(.milliseconds(10_040), roundingUp: false) == "10.0 s")
        #expect(ConsoleDuration.text(.milliseconds(10_050), roundingUp: false) == "10.1 s")
    }
}
