import ModeCore
import ModeTestKit
import Testing

private func machine(
    _ strategy: SupervisorStrategy, children: Int = 4, random: Double = 0,
    configure: (inout SupervisionPolicy) -> Void = { _ in }
) -> SupervisorStateMachine<ManualClock> {
    var policy = SupervisionPolicy(strategy: strategy)
    configure(&policy)
    return SupervisorStateMachine(policy: policy, childCount: children, random: { random })
}

@Suite("SupervisorStateMachine")
struct SupervisorStateMachineTests {
    @Test(arguments: [
        (SupervisorStrategy.oneForOne, [2], [2]),
        (.oneForAll, [3, 2, 1, 0], [0, 1, 2, 3]),
        (.restForOne, [3, 2, 1], [1, 2, 3]),
    ])
    func restartStrategiesStopInReverseAndRestartInOrder(strategy: SupervisorStrategy, stop: [Int], restart: [Int]) {
        let clock = ManualClock()
        var supervisor = machine(strategy)
        let crashed = strategy == .oneForOne ? 2 : 1
        let decision = supervisor.childCrashed(at: crashed, now: clock.now)
        #expect(decision.kind == .restart)
        #expect(decision.crashed == crashed)
        #expect(decision.stop == stop)
        #expect(decision.restart == restart)
        #expect(decision.maxRestartsExceeded == nil)
    }

    @Test func forfeitStrategiesStopWithoutRestarting() {
        let clock = ManualClock()
        var one = machine(.forfeitOneForOne)
        let single = one.childCrashed(at: 1, now: clock.now)
        #expect(single.kind == .forfeit)
        #expect(single.stop == [1])
        #expect(single.restart.isEmpty)
        var all = machine(.forfeitOneForAll)
        let group = all.childCrashed(at: 1, now: clock.now)
        #expect(group.kind == .forfeit)
        #expect(group.stop == [3, 2, 1, 0])
        #expect(group.restart.isEmpty)
        // Forfeiting is not a restart, so it never exceeds the intensity.
        for _ in 0..<20 { #expect(all.childCrashed(at: 0, now: clock.now).kind == .forfeit) }
    }

    @Test func crashingEscalatesTheChildErrorAtOnce() {
        var supervisor = machine(.crashing, children: 3)
        let decision = supervisor.childCrashed(at: 0, now: ManualClock().now)
        #expect(decision.kind == .escalate)
        #expect(decision.maxRestartsExceeded == nil)
        #expect(decision.stop == [2, 1, 0])
    }

    @Test func intensityLimitEscalatesWithMaxRestartsExceeded() throws {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne, children: 2)  // defaults: 5 in 10 s
        for _ in 0..<5 {
            #expect(supervisor.childCrashed(at: 0, now: clock.now).kind == .restart)
            clock.advance(by: .seconds(1))
        }
        let decision = supervisor.childCrashed(at: 1, now: clock.now)
        #expect(decision.kind == .escalate)
        #expect(decision.stop == [1, 0])
        let error = try #require(decision.maxRestartsExceeded as MaxRestartsExceeded?)
        #expect(error.message == "Max restarts exceeded")
        #expect(error.childIndex == 1)
        #expect("\(error)" == "Max restarts exceeded: 6 restarts within 10.00 seconds (limit 5)")
    }

    @Test func intensityWindowSlides() {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne) { $0.maxRestarts = 2; $0.period = .seconds(5) }
        #expect(supervisor.childCrashed(at: 0, now: clock.now).kind == .restart)      // t = 0
        clock.advance(by: .seconds(3))
        #expect(supervisor.childCrashed(at: 0, now: clock.now).kind == .restart)      // t = 3
        clock.advance(by: .seconds(2))
        #expect(supervisor.restartCount(at: clock.now) == 1)                          // t = 5: the first left
        #expect(supervisor.childCrashed(at: 0, now: clock.now).kind == .restart)      // t = 5
        clock.advance(by: .seconds(1))
        #expect(supervisor.childCrashed(at: 0, now: clock.now).kind == .escalate)     // t = 6: 3 and 5 in window
    }

    @Test func backoffGrowsDoublesAndCaps() {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne) {
            $0.maxRestarts = 100
            $0.period = .seconds(1)
            $0.backoff.base = .milliseconds(100)
            $0.backoff.cap = .seconds(1)
        }
        var delays: [Duration] = []
        var attempts: [Int] = []
        for _ in 0..<7 {
            let decision = supervisor.childCrashed(at: 0, now: clock.now)
            delays.append(decision.delay)
            attempts.append(decision.attempt)
            clock.advance(by: decision.delay)
        }
        #expect(delays == [100, 200, 400, 800, 1_000, 1_000, 1_000].map { Duration.milliseconds($0) })
        #expect(attempts == Array(0..<7))
    }

    @Test func backoffIsPerChild() {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne)
        #expect(supervisor.childCrashed(at: 0, now: clock.now).delay == .milliseconds(100))
        #expect(supervisor.childCrashed(at: 0, now: clock.now).delay == .milliseconds(200))
        #expect(supervisor.childCrashed(at: 1, now: clock.now).delay == .milliseconds(100))
    }

    @Test(arguments: [0.0, 0.25, 0.5, 0.999])
    func jitterStaysWithinBounds(random: Double) {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne, random: random)
        let first = supervisor.childCrashed(at: 0, now: clock.now).delay
        let second = supervisor.childCrashed(at: 0, now: clock.now).delay
        #expect(first >= .milliseconds(100) && first < .milliseconds(120))
        #expect(second >= .milliseconds(200) && second < .milliseconds(240))
        let expected = Duration.milliseconds(100) * (1 + random * 0.2)
        #expect(abs(DurationTestMath.nanoseconds(first - expected)) <= 1)
    }

    @Test func backoffResetsAfterAQuietPeriod() {
        let clock = ManualClock()
        var supervisor = machine(.oneForOne)
        _ = supervisor.childCrashed(at: 0, now: clock.now)
        clock.advance(by: .seconds(9))
        #expect(supervisor.childCrashed(at: 0, now: clock.now).attempt == 1)          // 9 s later: still growing
        clock.advance(by: .seconds(10))
        let afterQuiet = supervisor.childCrashed(at: 0, now: clock.now)
        #expect(afterQuiet.attempt == 0)
        #expect(afterQuiet.delay == .milliseconds(100))
    }

    @Test func aServiceThatAlwaysCrashesEscalatesWithDefaults() {
        // Crash right after every restart: the default backoff spreads five restarts over 3.1 s < 10 s.
        let clock = ManualClock()
        var supervisor = machine(.oneForOne, children: 1)
        var restarts = 0
        while true {
            let decision = supervisor.childCrashed(at: 0, now: clock.now)
            guard decision.kind == .restart else {
                #expect(decision.kind == .escalate)
                break
            }
            restarts += 1
            clock.advance(by: decision.delay)
        }
        #expect(restarts == 5)
        #expect(clock.now == .init(.milliseconds(3_100)))
    }

    @Test func immediateBackoffHasNoDelay() {
        #expect(RestartBackoff.immediate.delay(forAttempt: 5, random: 0.9) == .zero)
        #expect(RestartBackoff().delay(forAttempt: 100, random: 0) == .seconds(10))
    }
}

private enum DurationTestMath {
    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

@Suite("SupervisorStateMachine children")
struct SupervisorStateMachineChildrenTests {
    @Test func addingAndRemovingChildrenKeepsBackoffWithTheRightChild() {
        let clock = ManualClock()
        var policy = SupervisionPolicy(strategy: .restForOne)
        policy.maxRestarts = 100
        var supervisor = SupervisorStateMachine<ManualClock>(policy: policy, childCount: 3, random: { 0 })
        _ = supervisor.childCrashed(at: 2, now: clock.now)            // child 2: attempt 0
        #expect(supervisor.childAdded() == 3)
        #expect(supervisor.childCrashed(at: 1, now: clock.now).restart == [1, 2, 3])
        supervisor.childRemoved(at: 1)                                // old child 2 is now child 1
        #expect(supervisor.childCount == 3)
        let decision = supervisor.childCrashed(at: 1, now: clock.now)
        #expect(decision.attempt == 1)                                // its history moved with it
        #expect(decision.stop == [2, 1])
    }
}
