import ModeThreads
import NIOCore
import NIOPosix
import Synchronization

/// Runs the console's command lines on its own threads, in the order and with the sharing that
/// ``ConsoleWorkQueue`` decides: ordinary commands on `mode-console-w` threads, expensive ones on
/// `mode-console-x` threads, answers encoded once per job on the thread that ran it.
///
/// Sessions call it on their event loop: ``submit(line:session:on:)`` returns a ticket and a future answer;
/// ``abandon(_:)`` when the client has gone (its answer future then fails with ``Abandoned``).
final class ConsoleCommandScheduler: Sendable {
    typealias Queue = ConsoleWorkQueue<Request>

    /// What a job runs: the first requester's line (the others asked for the same key).
    struct Request: Sendable {
        let line: String
        let session: ConsoleSessionInfo
    }

    /// The answer future of an abandoned ticket fails with this.
    struct Abandoned: Error {}

    private struct State {
        var queue: Queue
        var nextTicket = 0
        var promises: [Queue.Ticket: EventLoopPromise<ConsoleAnswer>] = [:]
        var cancellations: [Queue.JobID: ConsoleCancellation] = [:]
    }

    private static let threadNames: [ConsoleLane: String] = [.ordinary: "mode-console-w", .expensive: "mode-console-x"]

    private let registry: ConsoleCommandRegistry
    private let maxAnswerBytes: Int
    private let pools: [ConsoleLane: NIOThreadPool]
    private let state: Mutex<State>

    init(registry: ConsoleCommandRegistry, threads: [ConsoleLane: Int], maxAnswerBytes: Int) {
        let limits = threads.mapValues { max(1, $0) }
        self.registry = registry
        self.maxAnswerBytes = maxAnswerBytes
        self.pools = Dictionary(uniqueKeysWithValues: ConsoleLane.allCases.map {
            ($0, NIOThreadPool(numberOfThreads: limits[$0] ?? 1))
        })
        self.state = Mutex(State(queue: Queue(limits: limits)))
    }

    /// Jobs waiting for a thread of `lane`.
    func queuedCount(_ lane: ConsoleLane) -> Int { state.withLock { $0.queue.queuedCount(lane) } }

    /// Requests waiting for an answer.
    var pendingCount: Int { state.withLock { $0.queue.pendingTickets } }

    func start() {
        for pool in pools.values { pool.start() }
    }

    /// Queues `line` for `session`; the future completes on `eventLoop` with the answer.
    func submit(
        line: String, session: ConsoleSessionInfo, on eventLoop: any EventLoop
    ) -> (ticket: Queue.Ticket, answer: EventLoopFuture<ConsoleAnswer>) {
        let (lane, key) = registry.schedulingClass(of: line)
        let promise = eventLoop.makePromise(of: ConsoleAnswer.self)
        let (ticket, steps) = state.withLock { state -> (Queue.Ticket, [Step]) in
            state.nextTicket += 1
            let ticket = state.nextTicket
            state.promises[ticket] = promise
            let actions = state.queue.submit(ticket, lane: lane, key: key, payload: Request(line: line, session: session))
            return (ticket, Self.steps(for: actions, in: &state))
        }
        perform(steps)
        return (ticket, promise.futureResult)
    }

    /// The client of `ticket` has gone: its command is dropped if not started, cancelled if nobody else
    /// waits for it, and its answer future fails with ``Abandoned``.
    func abandon(_ ticket: Queue.Ticket) {
        let (promise, steps) = state.withLock { state in
            (state.promises.removeValue(forKey: ticket), Self.steps(for: state.queue.abandon(ticket), in: &state))
        }
        promise?.fail(Abandoned())
        perform(steps)
    }

    /// Stops the threads once their current commands return; `done` is called then (from any thread).
    func shutdownGracefully(_ done: @escaping @Sendable () -> Void) {
        let remaining = Atomic<Int>(pools.count)
        for pool in pools.values {
            pool.shutdownGracefully { _ in
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done() }
            }
        }
    }

    /// The queue's actions with what performing them needs, taken under the lock.
    private enum Step {
        case start(Queue.JobID, ConsoleLane, Request, ConsoleCancellation)
        case cancel(ConsoleCancellation?)
        case deliver([EventLoopPromise<ConsoleAnswer>])
    }

    private static func steps(for actions: [Queue.Action], in state: inout State) -> [Step] {
        actions.map { action in
            switch action {
            case .start(let job, let lane, let request):
                let cancellation = ConsoleCancellation()
                state.cancellations[job] = cancellation
                return .start(job, lane, request, cancellation)
            case .cancel(let job):
                return .cancel(state.cancellations[job])
            case .deliver(let job, let tickets):
                state.cancellations[job] = nil
                return .deliver(tickets.compactMap { state.promises.removeValue(forKey: $0) })
            }
        }
    }

    private func perform(_ steps: [Step], answer: ConsoleAnswer? = nil) {
        for step in steps {
            switch step {
            case .start(let job, let lane, let request, let cancellation):
                pools[lane]!.submit { [self] poolState in
                    let answer: ConsoleAnswer
                    if case .active = poolState {
                        OwnedThread.nameCurrentThread(Self.threadNames[lane]!)
                        let output = registry.execute(
                            line: request.line, session: request.session, cancellation: cancellation)
                        // Nobody is left to read an abandoned job's answer: do not encode it.
                        answer = ConsoleAnswer(
                            cancellation.isCancelled ? ConsoleOutput(text: "") : output, maxBytes: maxAnswerBytes)
                    } else {
                        answer = ConsoleAnswer(.error("the console is shutting down"), maxBytes: maxAnswerBytes)
                    }
                    let steps = state.withLock { Self.steps(for: $0.queue.finish(job), in: &$0) }
                    perform(steps, answer: answer)
                }
            case .cancel(let cancellation):
                cancellation?.cancel()
            case .deliver(let promises):
                guard let answer else { preconditionFailure("answers are delivered only when a job finishes") }
                for promise in promises { promise.succeed(answer) }
            }
        }
    }
}

/// Set when every client waiting for a running command has gone; the handler may read it
/// (``ConsoleInvocation/isCancelled``) and stop early.
final class ConsoleCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .relaxed) }

    func cancel() { flag.store(true, ordering: .relaxed) }
}
