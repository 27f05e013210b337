/// The watchdog's decisions as a pure state machine: which busy job is a stall, when to report it again, when it
/// ended, and which reports to rate-limit.
///
/// It owns no thread and reads no clock. ``StallWatchdog`` feeds it a snapshot of every watched source (thread
/// activity slots and heartbeats) at each poll and executes the returned actions; tests drive it with a manual
/// clock:
///
/// ```swift
/// var detector = StallDetector<ContinuousClock>(timeout: .milliseconds(500))
/// let now = ContinuousClock.now
/// let sample = StallDetector<ContinuousClock>.Sample(source: .thread(42), threadID: 42, job: 0x1000,
///                                                    generation: 7, busySince: now - .milliseconds(600))
/// for action in detector.poll(now: now, samples: [sample]) {
///     if case .report(let stall) = action { print("stalled for \(stall.busyFor)") }
/// }
/// ```
///
/// - A job busy for at least `timeout` is reported once (``Action/report(_:)``). The watchdog captures its stack,
///   computes a site key (the top symbolicated frame) and asks ``admit(_:site:now:)`` whether to log it: reports
///   of the same site within `rateLimitWindow` are suppressed and counted, and the next admitted report carries
///   the count.
/// - With `repeatAfter` set, a stall still running at `repeatAfter`, `2 × repeatAfter`, … is reported again
///   (``Action/repeatReport(_:)``) with a fresh stack (Vert.x `warningExceptionTime` style).
/// - When a reported job finishes (the source is idle or runs a new job), ``Action/ended(_:total:)`` follows.
/// - ``nextPollDelay(now:)`` says when to poll next: at most `pollInterval`, earlier when a watched job reaches
///   its timeout sooner, so detection comes close to `timeout` after the job started.
public struct StallDetector<C: Clock>: Sendable where C.Instant: Sendable, C.Duration == Swift.Duration {
    /// Where samples come from: one thread's activity slot, or one heartbeat-watched executor.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case thread(Int32)
        case heartbeat(String)

        public var description: String {
            switch self {
            case .thread(let tid): "thread \(tid)"
            case .heartbeat(let name): "heartbeat \(name)"
            }
        }
    }

    /// One source's state at a poll instant.
    public struct Sample: Sendable, Equatable {
        public var source: Source
        /// The thread that runs (or last ran) the source's work.
        public var threadID: Int32
        /// The running job (task address) if known; `nil` with `busySince == nil` means idle.
        public var job: UInt?
        /// Changes whenever a new job starts (per-thread job counter, heartbeat sequence number).
        public var generation: UInt64
        /// When the running job started; `nil` when idle.
        public var busySince: C.Instant?
        /// When the source's previous job ended, if known (gives an exact total for ``Action/ended(_:total:)``).
        public var lastEndedAt: C.Instant?

        public init(source: Source, threadID: Int32, job: UInt?, generation: UInt64, busySince: C.Instant?,
                    lastEndedAt: C.Instant? = nil) {
            self.source = source
            self.threadID = threadID
            self.job = job
            self.generation = generation
            self.busySince = busySince
            self.lastEndedAt = lastEndedAt
        }
    }

    /// Identity of one stall: a source running one generation of work.
    public struct StallID: Sendable, Hashable {
        public var source: Source
        public var generation: UInt64

        public init(source: Source, generation: UInt64) {
            self.source = source
            self.generation = generation
        }
    }

    /// A detected stall.
    public struct Stall: Sendable, Equatable {
        public var id: StallID
        public var threadID: Int32
        public var job: UInt?
        public var busySince: C.Instant
        /// How long the job has been running at the poll that produced the action.
        public var busyFor: Duration
        /// 0 for the first report, 1, 2, … for repeats.
        public var repeatIndex: Int

        public init(id: StallID, threadID: Int32, job: UInt?, busySince: C.Instant, busyFor: Duration,
                    repeatIndex: Int) {
            self.id = id
            self.threadID = threadID
            self.job = job
            self.busySince = busySince
            self.busyFor = busyFor
            self.repeatIndex = repeatIndex
        }
    }

    /// What the watchdog must do.
    public enum Action: Sendable, Equatable {
        /// A new stall: capture the thread once, then ``admit(_:site:now:)``.
        case report(Stall)
        /// A reported stall still running past the repeat threshold: capture again and log (not rate-limited).
        case repeatReport(Stall)
        /// A reported stall finished after `total`.
        case ended(Stall, total: Duration)
    }

    /// Result of ``admit(_:site:now:)``.
    public enum Admission: Sendable, Equatable {
        /// Log it; `suppressed` reports of this site were dropped since the last one logged.
        case report(suppressed: Int)
        /// Drop it (counted).
        case suppress
    }

    public var timeout: Duration
    public var repeatAfter: Duration?
    public var pollInterval: Duration
    public var rateLimitWindow: Duration

    private struct Tracked: Sendable {
        var stall: Stall
        var admitted: Bool
        var nextRepeat: Duration?
    }

    private struct SiteState: Sendable {
        var lastReported: C.Instant
        var suppressed: Int
    }

    private var tracked: [Source: Tracked] = [:]
    private var sites: [String: SiteState] = [:]
    private var watchedDeadlines: [Source: C.Instant] = [:]

    /// Creates a detector. `pollInterval` defaults to `timeout / 4`; `repeatAfter` nil disables repeats;
    /// `rateLimitWindow` zero disables rate limiting.
    public init(timeout: Duration, repeatAfter: Duration? = nil, pollInterval: Duration? = nil,
                rateLimitWindow: Duration = .seconds(30)) {
        self.timeout = timeout
        self.repeatAfter = repeatAfter
        self.pollInterval = pollInterval ?? timeout / 4
        self.rateLimitWindow = rateLimitWindow
    }

    /// Stalls currently tracked (reported and not yet ended).
    public var activeStalls: [Stall] { tracked.values.map(\.stall) }

    /// Processes one snapshot of every source taken at `now`; sources missing from `samples` count as idle.
    ///
    /// ```swift
    /// let actions = detector.poll(now: clock.now, samples: samples)
    /// ```
    public mutating func poll(now: C.Instant, samples: [Sample]) -> [Action] {
        var actions: [Action] = []
        var seen: Set<Source> = []
        watchedDeadlines.removeAll(keepingCapacity: true)
        for sample in samples {
            seen.insert(sample.source)
            if var current = tracked[sample.source] {
                if sample.busySince != nil && sample.generation == current.stall.id.generation {
                    current.stall.busyFor = current.stall.busySince.duration(to: now)
                    if let next = current.nextRepeat, current.stall.busyFor >= next, let repeatAfter {
                        current.stall.repeatIndex += 1
                        current.nextRepeat = next + repeatAfter
                        if current.admitted { actions.append(.repeatReport(current.stall)) }
                    }
                    tracked[sample.source] = current
                    continue
                }
                // The stalled job ended. The sample's last end is that job's end when no other job ran since.
                let endedAt: C.Instant
                if let lastEndedAt = sample.lastEndedAt,
                   sample.generation == current.stall.id.generation + (sample.busySince == nil ? 0 : 1),
                   current.stall.busySince <= lastEndedAt, lastEndedAt <= now {
                    endedAt = lastEndedAt
                } else {
                    endedAt = now
                }
                actions.append(contentsOf: end(sample.source, at: endedAt))
            }
            guard let busySince = sample.busySince, timeout > .zero else { continue }
            let busyFor = busySince.duration(to: now)
            if busyFor >= timeout {
                let stall = Stall(id: StallID(source: sample.source, generation: sample.generation),
                                  threadID: sample.threadID, job: sample.job, busySince: busySince, busyFor: busyFor,
                                  repeatIndex: 0)
                tracked[sample.source] = Tracked(stall: stall, admitted: true, nextRepeat: repeatAfter)
                actions.append(.report(stall))
            } else {
                watchedDeadlines[sample.source] = busySince.advanced(by: timeout)
            }
        }
        for source in tracked.keys where !seen.contains(source) {
            actions.append(contentsOf: end(source, at: now))
        }
        return actions
    }

    /// Decides whether the stall reported by ``Action/report(_:)`` is logged, given its site key (the top
    /// symbolicated frame). A suppressed stall gets no repeat and no end line.
    ///
    /// ```swift
    /// if case .report(let suppressed) = detector.admit(stall.id, site: "blockingWork()", now: clock.now) {
    ///     log(stall, suppressed: suppressed)
    /// }
    /// ```
    public mutating func admit(_ id: StallID, site: String, now: C.Instant) -> Admission {
        let admission: Admission
        if rateLimitWindow > .zero, var state = sites[site], state.lastReported.duration(to: now) < rateLimitWindow {
            state.suppressed += 1
            sites[site] = state
            admission = .suppress
        } else {
            let suppressed = sites[site]?.suppressed ?? 0
            sites[site] = SiteState(lastReported: now, suppressed: 0)
            admission = .report(suppressed: suppressed)
        }
        if case .suppress = admission, var current = tracked[id.source], current.stall.id == id {
            current.admitted = false
            tracked[id.source] = current
        }
        return admission
    }

    /// How long to wait before the next poll: `pollInterval`, or less when a job seen busy at the last poll
    /// reaches `timeout` sooner (never less than 1 ms).
    ///
    /// ```swift
    /// try await clock.sleep(for: detector.nextPollDelay(now: clock.now))
    /// ```
    public func nextPollDelay(now: C.Instant) -> Duration {
        var delay = pollInterval
        for deadline in watchedDeadlines.values {
            let untilDeadline = now.duration(to: deadline)
            if untilDeadline < delay { delay = untilDeadline }
        }
        for current in tracked.values where current.admitted {
            guard let next = current.nextRepeat else { continue }
            let untilRepeat = now.duration(to: current.stall.busySince.advanced(by: next))
            if untilRepeat < delay { delay = untilRepeat }
        }
        return max(delay, .milliseconds(1))
    }

    private mutating func end(_ source: Source, at endedAt: C.Instant) -> [Action] {
        guard let current = tracked.removeValue(forKey: source) else { return [] }
        guard current.admitted else { return [] }
        // Never less than the busy time already reported: the end stamp can be a coarse clock's tick older than
        // the poll that reported (a job reported busy for 200 ms must not end after 199.9 ms).
        return [.ended(current.stall, total: max(current.stall.busySince.duration(to: endedAt), current.stall.busyFor))]
    }
}
