/// Which console command runs when, as a pure state machine: two lanes with their own concurrency limits,
/// single-flight sharing of expensive commands, and abandonment of work whose clients have gone.
///
/// It owns no thread. ``ConsoleCommandScheduler`` feeds it requests (``submit(_:lane:key:payload:)``), gone
/// clients (``abandon(_:)``) and finished jobs (``finish(_:)``), and executes the returned actions; tests
/// drive it directly.
///
/// - **Lanes.** Ordinary commands (`ps`, `services`, ...) and expensive ones (`stacks`, anything that
///   symbolicates) queue and run separately, each lane at most `limit` jobs at once, so a cheap command never
///   waits behind an expensive one.
/// - **Single flight.** A request with a key joins the job with the same key that is queued or running, if
///   any, and receives that job's answer; several clients asking for `stacks` at once cost one dump.
/// - **Abandonment.** A request whose client has gone leaves its job; a queued job left by every requester
///   is dropped without ever starting, and a running one is marked cancelled (``Action/cancel(_:)``) and
///   stops being joinable. A running job still counts against its lane until it returns, so the threads a
///   lane uses never exceed its limit.
///
/// ```swift
/// var queue = ConsoleWorkQueue<String>(limits: [.ordinary: 2, .expensive: 1])
/// let actions = queue.submit(1, lane: .expensive, key: "stacks", payload: "stacks")  // [.start(job, ...)]
/// _ = queue.submit(2, lane: .expensive, key: "stacks", payload: "stacks")            // [] (joined)
/// guard case .start(let job, _, let line) = actions.first else { return }
/// run(line)                                                                          // on a thread of the lane
/// queue.finish(job)                                                                   // [.deliver(job, [1, 2])]
/// ```
struct ConsoleWorkQueue<Payload> {
    typealias Lane = ConsoleLane

    /// One client request (a session's command line), chosen by the caller and unique among live requests.
    typealias Ticket = Int

    /// One execution of a command, possibly shared by several tickets.
    struct JobID: Hashable, Sendable, CustomStringConvertible {
        let value: UInt64
        var description: String { "job \(value)" }
    }

    /// What the caller must do.
    enum Action {
        /// Run `payload` on a thread of `lane`, then call ``finish(_:)``.
        case start(JobID, lane: Lane, payload: Payload)
        /// Every requester of the running job has gone: the handler may stop early; its answer is discarded.
        case cancel(JobID)
        /// The job's answer goes to these tickets (empty when everybody left while it ran).
        case deliver(JobID, to: [Ticket])
    }

    private enum Phase {
        case queued, running, abandoned
    }

    private struct Job {
        let lane: Lane
        let key: String?
        let payload: Payload
        var waiters: [Ticket]
        var phase: Phase
    }

    private let limits: [Lane: Int]
    private var jobs: [JobID: Job] = [:]
    private var queues: [Lane: [JobID]] = [:]
    private var running: [Lane: Int] = [:]
    private var flights: [String: JobID] = [:]
    private var ticketJobs: [Ticket: JobID] = [:]
    private var nextJob: UInt64 = 0

    /// Creates an idle queue; a lane without a limit (or with a limit below 1) runs one job at a time.
    init(limits: [Lane: Int]) {
        self.limits = limits
    }

    /// Jobs started and not finished yet on `lane` (cancelled ones included).
    func runningCount(_ lane: Lane) -> Int { running[lane, default: 0] }

    /// Jobs waiting for a thread on `lane`.
    func queuedCount(_ lane: Lane) -> Int { queues[lane, default: []].count }

    /// Requests waiting for an answer.
    var pendingTickets: Int { ticketJobs.count }

    /// A new request. With a `key`, it joins the queued or running job with the same key if there is one.
    mutating func submit(_ ticket: Ticket, lane: Lane, key: String?, payload: Payload) -> [Action] {
        precondition(ticketJobs[ticket] == nil, "ticket \(ticket) is already pending")
        if let key, let shared = flights[key] {
            jobs[shared]!.waiters.append(ticket)
            ticketJobs[ticket] = shared
            return []
        }
        nextJob += 1
        let id = JobID(value: nextJob)
        jobs[id] = Job(lane: lane, key: key, payload: payload, waiters: [ticket], phase: .queued)
        ticketJobs[ticket] = id
        if let key { flights[key] = id }
        queues[lane, default: []].append(id)
        return startReady()
    }

    /// The client of `ticket` has gone: it leaves its job; see the type's documentation for what follows.
    mutating func abandon(_ ticket: Ticket) -> [Action] {
        guard let id = ticketJobs.removeValue(forKey: ticket), var job = jobs[id] else { return [] }
        job.waiters.removeAll { $0 == ticket }
        guard job.waiters.isEmpty else {
            jobs[id] = job
            return []
        }
        if let key = job.key, flights[key] == id { flights[key] = nil }
        switch job.phase {
        case .queued:
            jobs[id] = nil
            queues[job.lane]?.removeAll { $0 == id }
            return []
        case .running:
            job.phase = .abandoned
            jobs[id] = job
            return [.cancel(id)]
        case .abandoned:
            jobs[id] = job
            return []
        }
    }

    /// The job has returned: its answer goes to the tickets still waiting, and queued jobs may start.
    mutating func finish(_ id: JobID) -> [Action] {
        guard let job = jobs.removeValue(forKey: id) else { return startReady() }
        if let key = job.key, flights[key] == id { flights[key] = nil }
        if job.phase != .queued { running[job.lane, default: 1] -= 1 }
        for ticket in job.waiters { ticketJobs[ticket] = nil }
        return [.deliver(id, to: job.waiters)] + startReady()
    }

    private mutating func startReady() -> [Action] {
        var actions: [Action] = []
        for lane in Lane.allCases {
            let limit = max(1, limits[lane] ?? 1)
            while running[lane, default: 0] < limit, let id = queues[lane]?.first {
                queues[lane]!.removeFirst()
                jobs[id]!.phase = .running
                running[lane, default: 0] += 1
                actions.append(.start(id, lane: lane, payload: jobs[id]!.payload))
            }
        }
        return actions
    }
}

/// Where a console command runs: ordinary commands and expensive ones (``ConsoleCommand/isExpensive``) have
/// their own threads and queues.
enum ConsoleLane: Hashable, Sendable, CaseIterable {
    case ordinary, expensive
}
