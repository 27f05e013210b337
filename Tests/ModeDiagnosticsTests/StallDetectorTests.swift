import ModeDiagnostics
import ModeTestKit
import Testing

@Suite("StallDetector state machine (manual clock)")
struct StallDetectorTests {
    typealias Detector = StallDetector<ManualClock>

    let clock = ManualClock()

    func busy(_ tid: Int32, job: UInt = 0x1000, generation: UInt64, since: ManualClock.Instant) -> Detector.Sample {
        Detector.Sample(source: .thread(tid), threadID: tid, job: job, generation: generation, busySince: since)
    }

    func idle(_ tid: Int32, generation: UInt64, endedAt: ManualClock.Instant? = nil) -> Detector.Sample {
        Detector.Sample(source: .thread(tid), threadID: tid, job: nil, generation: generation, busySince: nil,
                        lastEndedAt: endedAt)
    }

    func reports(_ actions: [Detector.Action]) -> [Detector.Stall] {
        actions.compactMap { if case .report(let stall) = $0 { stall } else { nil } }
    }

    @Test func reportsOnceWhenBusyPastTimeout() {
        var detector = Detector(timeout: .milliseconds(500))
        let start = clock.now
        #expect(detector.poll(now: clock.now, samples: [busy(7, generation: 1, since: start)]).isEmpty)
        clock.advance(by: .milliseconds(499))
        #expect(detector.poll(now: clock.now, samples: [busy(7, generation: 1, since: start)]).isEmpty)
        clock.advance(by: .milliseconds(13))
        let first = reports(detector.poll(now: clock.now, samples: [busy(7, generation: 1, since: start)]))
        #expect(first.count == 1)
        #expect(first.first?.busyFor == .milliseconds(512))
        #expect(first.first?.threadID == 7)
        #expect(first.first?.job == 0x1000)
        clock.advance(by: .seconds(5))
        #expect(detector.poll(now: clock.now, samples: [busy(7, generation: 1, since: start)]).isEmpty)
        #expect(detector.activeStalls.count == 1)
    }

    @Test func oneStuckThreadAmongIdleOnesIsReported() {
        var detector = Detector(timeout: .milliseconds(100))
        let start = clock.now
        clock.advance(by: .milliseconds(150))
        let samples = [idle(1, generation: 10), busy(2, generation: 3, since: start), idle(3, generation: 99)]
        let found = reports(detector.poll(now: clock.now, samples: samples))
        #expect(found.map(\.threadID) == [2])
    }

    @Test func aNewJobOnTheSameThreadIsANewStall() {
        var detector = Detector(timeout: .milliseconds(100))
        let first = clock.now
        clock.advance(by: .milliseconds(120))
        #expect(reports(detector.poll(now: clock.now, samples: [busy(4, generation: 1, since: first)])).count == 1)
        let second = clock.now
        clock.advance(by: .milliseconds(130))
        let actions = detector.poll(now: clock.now, samples: [busy(4, job: 0x2000, generation: 2, since: second)])
        #expect(actions.count == 2)
        guard case .ended(let ended, let total) = actions.first else {
            Issue.record("expected .ended first, got \(actions)")
            return
        }
        #expect(ended.id.generation == 1)
        #expect(total == .milliseconds(250))  // no exact end known: the poll instant
        #expect(reports(actions).map(\.job) == [0x2000])
    }

    @Test func endedUsesTheExactEndInstant() {
        var detector = Detector(timeout: .milliseconds(500))
        let start = clock.now
        clock.advance(by: .milliseconds(600))
        _ = detector.poll(now: clock.now, samples: [busy(9, generation: 5, since: start)])
        clock.advance(by: .milliseconds(1_410))
        let endedAt = clock.now
        clock.advance(by: .milliseconds(90))
        let actions = detector.poll(now: clock.now, samples: [idle(9, generation: 5, endedAt: endedAt)])
        #expect(actions == [.ended(Detector.Stall(id: .init(source: .thread(9), generation: 5), threadID: 9,
                                                  job: 0x1000, busySince: start, busyFor: .milliseconds(600),
                                                  repeatIndex: 0),
                                   total: .milliseconds(2_010))])
        #expect(detector.activeStalls.isEmpty)
    }

    @Test func anEndStampedBeforeTheReportingPollStillTotalsAtLeastTheReportedBusyTime() {
        // The job's end comes from a coarse clock: its stamp may be up to a tick older than the poll that
        // reported it busy. The total is then the reported busy time, never less.
        var detector = Detector(timeout: .milliseconds(200))
        let start = clock.now
        clock.advance(by: .milliseconds(200))
        let reported = detector.poll(now: clock.now, samples: [busy(4, generation: 2, since: start)])
        #expect(reported.count == 1)
        let endedAt = start.advanced(by: .milliseconds(197))
        clock.advance(by: .milliseconds(5))
        let actions = detector.poll(now: clock.now, samples: [idle(4, generation: 2, endedAt: endedAt)])
        guard case .ended(_, let total) = actions.first else {
            Issue.record("expected .ended, got \(actions)")
            return
        }
        #expect(total == .milliseconds(200))
    }

    @Test func aVanishedSourceEndsItsStall() {
        var detector = Detector(timeout: .milliseconds(100))
        let start = clock.now
        clock.advance(by: .milliseconds(200))
        _ = detector.poll(now: clock.now, samples: [busy(3, generation: 1, since: start)])
        clock.advance(by: .milliseconds(10))
        let actions = detector.poll(now: clock.now, samples: [])
        #expect(actions.count == 1)
        if case .ended(_, let total) = actions.first { #expect(total == .milliseconds(210)) } else {
            Issue.record("expected .ended, got \(actions)")
        }
    }

    @Test func repeatsAtEachMultipleOfTheRepeatThreshold() {
        var detector = Detector(timeout: .milliseconds(100), repeatAfter: .milliseconds(400))
        let start = clock.now
        var repeats: [Int] = []
        var firstReports = 0
        for _ in 0..<100 {  // 100 polls, 10 ms apart: 1 s of stall
            clock.advance(by: .milliseconds(10))
            for action in detector.poll(now: clock.now, samples: [busy(1, generation: 1, since: start)]) {
                switch action {
                case .report: firstReports += 1
                case .repeatReport(let stall): repeats.append(stall.repeatIndex)
                case .ended: Issue.record("unexpected end")
                }
            }
        }
        #expect(firstReports == 1)
        #expect(repeats == [1, 2])  // at 400 ms and 800 ms
    }

    @Test func noRepeatsWhenDisabled() {
        var detector = Detector(timeout: .milliseconds(100), repeatAfter: nil)
        let start = clock.now
        var count = 0
        for _ in 0..<50 {
            clock.advance(by: .milliseconds(100))
            count += detector.poll(now: clock.now, samples: [busy(1, generation: 1, since: start)]).count
        }
        #expect(count == 1)
    }

    @Test func repeatedStallsOfTheSameSiteAreRateLimitedWithACount() {
        var detector = Detector(timeout: .milliseconds(100), rateLimitWindow: .seconds(10))
        var admissions: [Detector.Admission] = []
        var ends = 0
        for generation in UInt64(1)...5 {
            let start = clock.now
            clock.advance(by: .milliseconds(150))
            for stall in reports(detector.poll(now: clock.now, samples: [busy(1, generation: generation,
                                                                               since: start)])) {
                admissions.append(detector.admit(stall.id, site: "blockingWork()", now: clock.now))
            }
            clock.advance(by: .milliseconds(10))
            for action in detector.poll(now: clock.now, samples: [idle(1, generation: generation)]) {
                if case .ended = action { ends += 1 }
            }
        }
        #expect(admissions == [.report(suppressed: 0), .suppress, .suppress, .suppress, .suppress])
        #expect(ends == 1)  // suppressed stalls get no end line
        // Another site is not limited by the first one.
        #expect(detector.admit(.init(source: .thread(2), generation: 1), site: "other()", now: clock.now)
                == .report(suppressed: 0))
        // After the window, the next report of the site carries the suppressed count.
        clock.advance(by: .seconds(10))
        #expect(detector.admit(.init(source: .thread(1), generation: 9), site: "blockingWork()", now: clock.now)
                == .report(suppressed: 4))
    }

    @Test func heartbeatSourcesAreJudgedLikeThreads() {
        var detector = Detector(timeout: .seconds(1))
        let sent = clock.now
        let beat = Detector.Sample(source: .heartbeat("loop-0"), threadID: 77, job: nil, generation: 3,
                                   busySince: sent)
        clock.advance(by: .milliseconds(999))
        #expect(detector.poll(now: clock.now, samples: [beat]).isEmpty)
        clock.advance(by: .milliseconds(1))
        let found = reports(detector.poll(now: clock.now, samples: [beat]))
        #expect(found.map(\.id.source) == [.heartbeat("loop-0")])
        #expect(found.map(\.threadID) == [77])
    }

    @Test func zeroTimeoutDisablesDetection() {
        var detector = Detector(timeout: .zero)
        let start = clock.now
        clock.advance(by: .seconds(100))
        #expect(detector.poll(now: clock.now, samples: [busy(1, generation: 1, since: start)]).isEmpty)
    }

    /// Jobs starting at arbitrary offsets between polls are reported no later than timeout × 1.25 after they
    /// started (the poll interval is timeout / 4), and with deadline-driven polling no later than timeout + 1 ms.
    @Test(arguments: [Duration.milliseconds(100), .milliseconds(500), .seconds(10)])
    func pollCadenceBoundsTheDetectionDelay(timeout: Duration) {
        var detector = Detector(timeout: timeout)
        var worst = Duration.zero
        var generation: UInt64 = 0
        var polls = 0
        for offsetIndex in 0..<40 {
            generation += 1
            // The job starts `offset` after a poll that saw the thread idle.
            _ = detector.poll(now: clock.now, samples: [idle(1, generation: generation - 1)])
            let offset = timeout / 4 * (Double(offsetIndex) / 40)
            let start = clock.now.advanced(by: offset)
            var pollAt = clock.now.advanced(by: detector.nextPollDelay(now: clock.now))
            var detectedAt: ManualClock.Instant?
            while detectedAt == nil {
                clock.advance(to: pollAt)
                polls += 1
                let sample = clock.now < start ? idle(1, generation: generation - 1)
                                               : busy(1, generation: generation, since: start)
                if !reports(detector.poll(now: clock.now, samples: [sample])).isEmpty { detectedAt = clock.now }
                #expect(detector.nextPollDelay(now: clock.now) <= timeout / 4)
                pollAt = clock.now.advanced(by: detector.nextPollDelay(now: clock.now))
            }
            let delay = start.duration(to: detectedAt!)
            worst = max(worst, delay)
            #expect(delay >= timeout)
            #expect(delay <= timeout * 1.25)
            // End the stall before the next round.
            clock.advance(by: .milliseconds(1))
            _ = detector.poll(now: clock.now, samples: [idle(1, generation: generation)])
        }
        #expect(worst <= timeout + .milliseconds(1))
        #expect(polls > 0)
    }
}
