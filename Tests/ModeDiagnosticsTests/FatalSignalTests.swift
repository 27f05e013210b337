import Foundation
import Testing

/// Fatal signals sent with kill(2) to an idle process, with the Swift runtime's backtracer chained (as in
/// production): the process must write its report AND die by that signal (issue 15, item 1). On the old code
/// the runtime's handler returned and the process lived on, its memory server thread spinning a core.
@Suite("Fatal signals sent from outside (child processes)")
struct FatalSignalTests {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGQUIT]

    /// Starts `crash-idle`, waits for it to be ready, sends `signal` and waits for the exit.
    private func killIdle(_ signal: Int32, scenario: String = "crash-idle", environment: [String: String])
        throws -> (ChildProcess.Exit, String)
    {
        let log = ChildProcess.temporaryFile("kill-\(signal)")
        let child = try ChildProcess([scenario, log], environment: environment)
        let ready = ChildProcess.waitForFile(log) { $0.contains("ready pid") }
        try #require(ready.contains("ready pid"), "the fixture never became ready")
        #expect(kill(child.pid, signal) == 0)
        let exit = child.wait()
        return (exit, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test("kill -SIG on an idle process: a report, the runtime's backtrace, and death by that signal",
          arguments: signals)
    func sentSignalKills(_ signal: Int32) throws {
        let (exit, log) = try killIdle(signal, environment: ["SWIFT_BACKTRACE": "enable=yes,interactive=no"])
        // 60 s deadline in ChildProcess.wait(), then SIGKILL: a surviving process shows up as signal 9.
        #expect(exit.signal == signal, "\(exit)")
        let name = String(cString: strsignal(signal))
        #expect(log.contains("=== swift-mode crash report begin ==="), "no report for \(name)")
        #expect(log.contains("code: 0 "), "a kill(2) has si_code SI_USER (0)")
        #expect(log.contains("=== swift-mode crash report (symbolicated) end ==="))
        // The runtime's own backtrace still ran (it is chained, not replaced).
        #expect(exit.stderr.contains("Program crashed"), "\(exit.stderr.suffix(400))")
    }

    @Test("without the runtime's backtracer a sent signal kills the process too", arguments: [SIGSEGV, SIGQUIT])
    func sentSignalKillsWithoutRuntime(_ signal: Int32) throws {
        let (exit, log) = try killIdle(signal, environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(exit.signal == signal, "\(exit)")
        #expect(log.contains("=== swift-mode crash report begin ==="))
    }

    @Test("a chained handler that never returns cannot keep the process alive: the watchdog kills it")
    func hangingChainedHandler() throws {
        let started = ContinuousClock.now
        let (exit, log) = try killIdle(SIGSEGV, scenario: "crash-idle-hanging-previous",
                                       environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(exit.signal == SIGSEGV, "\(exit)")
        #expect(log.contains("CRASH: signal SIGSEGV"))
        #expect(log.contains("previous handler entered"), "the previous handler was not chained")
        // The fixture sets 1 s best effort + 1 s chain: the watchdog fires at 2.1 s. The generous upper bound
        // only separates "killed by the watchdog" from "killed by ChildProcess's 60 s deadline".
        #expect(ContinuousClock.now - started < .seconds(45))
    }
}
