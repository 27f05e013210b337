import CModeSupport
import Dispatch
import Logging
import Synchronization

extension StallWatchdog {
    /// What the last snapshot knew about a source, to describe it in a report.
    struct SourceInfo: Sendable {
        var executor: String
    }

    /// The watchdog thread's loop: snapshot, decide, act, send heartbeats, sleep until the next poll.
    func run() {
        AlternateSignalStack.installForCurrentThread()
        while true {
            if state.withLock({ $0.stopping }) { break }
            let nowNanoseconds = c_mode_monotonic_ns()
            let now = clock.now
            let (samples, sources) = collectSamples(now: now, nowNanoseconds: nowNanoseconds)
            let actions = state.withLock { $0.detector.poll(now: now, samples: samples) }
            for action in actions { perform(action, sources: sources) }
            logOverdueReports(now: clock.now)
            heartbeats?.sendBeats()
            var delay = state.withLock { $0.detector.nextPollDelay(now: clock.now) }
            if let due = nextReportDeadline { delay = min(delay, max(.zero, clock.now.duration(to: due))) }
            let nanoseconds = max(1_000_000, StallReport.microseconds(delay) * 1_000)
            _ = wakeup.wait(timeout: .now() + .nanoseconds(Int(nanoseconds)))
        }
    }

    typealias Sample = StallDetector<ContinuousClock>.Sample

    func collectSamples(now: ContinuousClock.Instant, nowNanoseconds: UInt64)
        -> ([Sample], [StallDetector<ContinuousClock>.Source: SourceInfo]) {
        func instant(_ nanoseconds: UInt64) -> ContinuousClock.Instant {
            guard nanoseconds <= nowNanoseconds else { return now }
            return now.advanced(by: .nanoseconds(Int64(nowNanoseconds - nanoseconds)) * -1)
        }
        var samples: [Sample] = []
        var sources: [StallDetector<ContinuousClock>.Source: SourceInfo] = [:]
        if configuration.watchesActivitySlots {
            // Slot stamps are coarse (the job started within `resolution` after its stamp): take the latest
            // possible start, so a job is never reported before it really held its thread for `timeout`, and
            // the latest possible end, so the total (end - start) is the stamps' difference.
            let resolution = ThreadActivity.clockResolutionNanoseconds
            for activity in ThreadActivity.snapshot() where configuration.threadFilter(activity) {
                let source = StallDetector<ContinuousClock>.Source.thread(activity.threadID)
                let busy = activity.job != nil
                samples.append(Sample(source: source, threadID: activity.threadID,
                                      job: activity.job == 1 ? nil : activity.job, generation: activity.jobsRun,
                                      busySince: busy ? instant(activity.startNanoseconds &+ resolution) : nil,
                                      lastEndedAt: activity.endNanoseconds == 0 ? nil
                                          : instant(activity.endNanoseconds &+ resolution)))
                sources[source] = SourceInfo(executor: activity.kind.description)
            }
        }
        for status in heartbeats?.statuses() ?? [] {
            let source = StallDetector<ContinuousClock>.Source.heartbeat(status.name)
            samples.append(Sample(source: source, threadID: status.threadID, job: status.job, generation: status.sequence,
                                  busySince: status.outstandingSinceNanoseconds.map(instant),
                                  lastEndedAt: status.lastBeatNanoseconds == 0 ? nil
                                      : instant(status.lastBeatNanoseconds)))
            sources[source] = SourceInfo(executor: "heartbeat \(status.name)")
        }
        return (samples, sources)
    }

    func perform(_ action: StallDetector<ContinuousClock>.Action,
                 sources: [StallDetector<ContinuousClock>.Source: SourceInfo]) {
        switch action {
        case .report(let stall):
            report(stall, kind: .detected, executor: sources[stall.id.source]?.executor ?? "unknown")
        case .repeatReport(let stall):
            report(stall, kind: .repeated, executor: sources[stall.id.source]?.executor ?? "unknown")
        case .ended(let stall, let total):
            // Measured now (the true duration); logged after the stall's report, which may still be
            // symbolicating: both go through the symbolication thread, in order.
            symbolicator.submit { [self] in logEnd(stall, total: total) }
        }
    }

    func logEnd(_ stall: StallDetector<ContinuousClock>.Stall, total: Duration) {
        guard let logged = state.withLock({ $0.logged.removeValue(forKey: stall.id) }) else { return }
        logger.info("\(StallReport.endLine(threadName: logged.threadName, threadID: stall.threadID, total: total))",
                    metadata: ["mode.stall.tid": "\(stall.threadID)",
                               "mode.stall.report_id": "\(logged.reportID)",
                               "mode.stall.total_ms": "\(StallReport.milliseconds(total))"])
        onStallEnded?(StallEnd(reportID: logged.reportID, threadID: stall.threadID,
                               threadName: logged.threadName, total: total, task: logged.task))
    }
}
