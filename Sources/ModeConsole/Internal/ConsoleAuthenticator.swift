import Logging
import NIOCore
import Synchronization

/// Checks `auth <token>` attempts for every session of a console: constant-time comparison, the per-address
/// ``AuthenticationThrottle``, and its log lines (written now, or by a flush scheduled on the event loop for
/// counts held back).
package final class ConsoleAuthenticator: Sendable {
    /// What a session answers.
    enum Outcome: Equatable {
        case accepted
        case rejected
        /// Refused unchecked: the address has failed too often; it may try again after this long.
        case throttled(retryIn: Duration)
    }

    private struct State {
        var throttle: AuthenticationThrottle<ContinuousClock>
        var flushScheduled = false
    }

    private let token: [UInt8]
    private let logger: Logger
    private let state: Mutex<State>

    init(token: String, policy: AuthenticationThrottle<ContinuousClock>.Policy, logger: Logger) {
        self.token = Array(token.utf8)
        self.logger = logger
        self.state = Mutex(State(throttle: AuthenticationThrottle(policy: policy)))
    }

    /// Checks `attempt` from `address` (an IP address without port); logs as the throttle decides.
    func authenticate(_ attempt: String, from address: String, eventLoop: any EventLoop) -> Outcome {
        let now = ContinuousClock.now
        let (outcome, report) = state.withLock { state -> (Outcome, AuthenticationThrottle<ContinuousClock>.Report?) in
            if case .wait(let delay) = state.throttle.admit(address, now: now) {
                return (.throttled(retryIn: delay), state.throttle.recordRefusal(address, now: now))
            }
            if Self.constantTimeEquals(Array(attempt.utf8), token) {
                state.throttle.recordSuccess(address, now: now)
                return (.accepted, nil)
            }
            return (.rejected, state.throttle.recordFailure(address, now: now))
        }
        if let report { log(report) }
        if outcome != .accepted { scheduleFlush(on: eventLoop) }
        return outcome
    }

    /// Compares without an early exit, so the time taken does not reveal how much of the token matched.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    private func log(_ report: AuthenticationThrottle<ContinuousClock>.Report) {
        logger.warning(
            "\(report.message)",
            metadata: [
                "mode.console.peer": "\(report.address)",
                "mode.console.auth_failures": "\(report.failed + report.refused)",
            ]
        )
    }

    /// Makes sure counts held back are logged once their interval has passed, even if the attempts stop.
    private func scheduleFlush(on eventLoop: any EventLoop) {
        let deadline = state.withLock { state -> ContinuousClock.Instant? in
            guard !state.flushScheduled, let deadline = state.throttle.nextReportDeadline else { return nil }
            state.flushScheduled = true
            return deadline
        }
        guard let deadline else { return }
        eventLoop.scheduleTask(in: TimeAmount(ContinuousClock.now.duration(to: deadline))) { [self] in
            let reports = state.withLock { state in
                state.flushScheduled = false
                return state.throttle.dueReports(now: .now)
            }
            for report in reports { log(report) }
            scheduleFlush(on: eventLoop)
        }
    }
}
