import Mode
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A named service tree for the fixture.
struct Scenario {
    let makeRoot: @Sendable () -> any Service
    var configure: @Sendable (Worker) -> Void = { _ in }
    var logging = WorkerLogging()
    /// `false`: the Worker stops as soon as the tree has started (mode's `daemon=False`).
    var daemon = true
    /// Settings the scenario makes in code, after the command line's.
    var adjustOptions: @Sendable (inout ResolvedWorkerOptions) -> Void = { _ in }

    init(makeRoot: @escaping @Sendable () -> any Service, configure: @escaping @Sendable (Worker) -> Void) {
        self.makeRoot = makeRoot
        self.configure = configure
    }

    init(_ makeRoot: @escaping @Sendable () -> any Service) {
        self.makeRoot = makeRoot
    }

    static let all: [String: Scenario] = [
        "clean": Scenario { AppService(children: [Ticker(), PageViewCache()]) },
        "start-fail": Scenario { AppService(children: [Ticker(), FailingStart()]) },
        "background-crash": Scenario { AppService(children: [Ticker(), CrashingTask()]) },
        "slow-stop": Scenario { AppService(children: [Ticker(), SlowStop()]) },
        "stuck-task": Scenario { AppService(children: [Ticker(), StuckTask()]) },
        "stall": Scenario { AppService(children: [BlockingService()]) },
        "chatty": Scenario { AppService(children: [Chatty()]) },
        "busy-yielding": Scenario { AppService(children: [BusyYielding()]) },
        "block-until-dumped": Scenario { AppService(children: [DumpTarget()]) },
        "supervised": Scenario { Scenario.supervisedRoot() },
        "restart-storm": Scenario { Scenario.restartStormRoot() },
        "crashed-waiting": Scenario { Scenario.crashedWaitingRoot() },
        "many-tasks": Scenario { AppService(children: (0..<10).map { ThousandTasks(index: $0) }) },
        "app-metrics": .appMetrics,
        "crash-unwrap": Scenario { AppService(children: [Ticker(), Crasher()]) },
        "chatty-crash": Scenario { AppService(children: [Chatty(), Crasher()]) },
        "nio-stall": Scenario(makeRoot: { AppService(children: [LoopBlocker(loop: NIOStall.group.next())]) }) {
            $0.watch(eventLoopGroup: NIOStall.group, name: "fixture-nio")
        },
        "block-all": Scenario { AppService(children: [PageViewCache(), BlockEverything()]) },
        "block-forever": Scenario { AppService(children: [BlockEverything(seconds: 3_600)]) },
        "app-logging": .appLogging,
        "metadata-provider": .metadataProvider,
        "run-once": Scenario.runOnce,
        "attribution": Scenario(makeRoot: Scenario.attributionRoot, configure: Scenario.attributionConfigure),
        "traced": .traced(crash: false),
        "traced-crash": .traced(crash: true),
    ]
}

extension Worker {
    static func writeFixtureError(_ text: String) {
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}

/// A parent for the scenario's children.
final class AppService: Service {
    let lifecycle = ServiceLifecycleState()
    let children: [any Service]
    init(children: [any Service]) { self.children = children }
    var dependencies: [any Service] { children }
}

/// A service with a background loop (stop-aware sleep).
actor Ticker: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("tick") { while !self.shouldStop { await self.sleep(for: .milliseconds(100)) } }]
    }
}

/// The console tests' service: a cache with a named background task.
actor PageViewCache: Service {
    let lifecycle = ServiceLifecycleState()
    private var counts: [String: Int] = [:]
    nonisolated var tasks: [ServiceTask] {
        [.task("PageViewCache.poll") { while !self.shouldStop { await self.sleep(for: .seconds(1)) } }]
    }
}

struct InjectedStartFailure: Error, CustomStringConvertible {
    var description: String { "database unreachable (injected by the fixture)" }
}

actor FailingStart: Service {
    let lifecycle = ServiceLifecycleState()
    func onStart() async throws { throw InjectedStartFailure() }
}

struct InjectedTaskFailure: Error, CustomStringConvertible {
    var description: String { "queue consumer failed (injected by the fixture)" }
}

actor CrashingTask: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("consume") {
            await self.sleep(for: .milliseconds(200))
            throw InjectedTaskFailure()
        }]
    }
}

/// A service whose stop never finishes (for the shutdown timeout).
actor SlowStop: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("hold-connection") { while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) } }]
    }
    func onStop() async throws {
        let never = AsyncStream<Void> { _ in }
        for await _ in never {}
    }
}

/// Blocks an executor thread in a named synchronous function, 300 ms after start, for 2 s.
actor BlockingService: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("block-once") {
            await self.sleep(for: .milliseconds(300))
            self.logger.info("About to block")
            blockingWork(seconds: 2)
            self.logger.info("Done blocking")
        }]
    }
}

/// Sleeps the calling thread until the deadline, even when a signal (the watchdog's capture) interrupts it.
@inline(never)
func blockingWork(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

/// Logs continuously from several tasks (for line-atomicity tests).
actor Chatty: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        (0..<4).map { index in
            .task("chatter-\(index)") {
                var line = 0
                while !self.shouldStop {
                    line += 1
                    self.logger.info("chatter \(index) line \(line) \(String(repeating: "x", count: 200))")
                    if line % 50 == 0 { await Task.yield() }
                }
            }
        }
    }
}

/// Many short jobs that yield often: must never be reported as a stall.
actor BusyYielding: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        (0..<4).map { index in
            .task("yielder-\(index)") {
                var x = 0
                while !self.shouldStop {
                    for i in 0..<10_000 { x &+= i }
                    await Task.yield()
                }
                if x == 42 { print(x) }
            }
        }
    }
}

/// Blocks every executor thread (more blocking tasks than threads) for 30 s: the console must still answer.
actor BlockEverything: Service {
    let lifecycle = ServiceLifecycleState()
    let seconds: Double
    init(seconds: Double = 30) { self.seconds = seconds }
    nonisolated var tasks: [ServiceTask] {
        (0..<8).map { index in
            .task("blocker-\(index)") {
                self.logger.info("blocker \(index) blocking")
                blockingWork(seconds: self.seconds)
            }
        }
    }
}

/// Blocks in a named function until two SIGUSR1 dumps have been written (at most 60 s): the first may catch the
/// thread still writing "About to block", the second (sent after the first was logged) catches it blocked, however
/// loaded the machine is.
actor DumpTarget: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("wait-for-dump") {
            self.logger.info("About to block")
            blockUntilDumped()
            self.logger.info("Done blocking")
        }]
    }
}

@inline(never)
func blockUntilDumped() {
    var waited = 0.0
    while ThreadDumpTrigger.dumpCount < 2 && waited < 60 {
        blockingWork(seconds: 0.05)
        waited += 0.05
    }
}

/// Force-unwraps nil in a named function half a second after start (a Swift trap: SIGILL on x86_64).
actor Crasher: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("crash-soon") {
            await self.sleep(for: .milliseconds(500))
            self.logger.info("About to crash")
            crashingWork(nil)
        }]
    }
}

@inline(never)
func crashingWork(_ value: Int?) {
    let forced = value!
    print(forced)
}

enum NIOStall {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}

/// Blocks a SwiftNIO event loop (not an executor thread) for 2 s, 300 ms after start.
actor LoopBlocker: Service {
    let lifecycle = ServiceLifecycleState()
    let loop: any EventLoop
    init(loop: any EventLoop) { self.loop = loop }
    nonisolated var tasks: [ServiceTask] {
        [.task("schedule-loop-block") {
            await self.sleep(for: .milliseconds(300))
            self.logger.info("Blocking the event loop")
            self.loop.execute { blockingWork(seconds: 2) }
        }]
    }
}
