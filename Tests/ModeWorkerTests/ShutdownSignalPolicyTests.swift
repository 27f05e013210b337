import ModeWorker
import Testing
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("ShutdownSignalPolicy")
struct ShutdownSignalPolicyTests {
    @Test func firstTermStopsGracefullySecondForcesExit() {
        var policy = ShutdownSignalPolicy()
        #expect(policy.signalReceived(.sigterm) == .beginGracefulStop(.sigterm))
        #expect(policy.state == .stopping(.sigterm))
        #expect(policy.signalReceived(.sigterm) == .forceExit(code: 143, signal: .sigterm))
        #expect(policy.state == .exiting)
        #expect(policy.signalReceived(.sigint) == .ignore)
    }

    @Test func sigintThenSigtermForcesExitWithTheSecondSignalsStatus() {
        var policy = ShutdownSignalPolicy()
        #expect(policy.signalReceived(.sigint) == .beginGracefulStop(.sigint))
        #expect(policy.signalReceived(.sigterm) == .forceExit(code: 128 + SIGTERM, signal: .sigterm))
    }

    @Test func signalsAfterTheStopFinishedAreIgnored() {
        var policy = ShutdownSignalPolicy()
        _ = policy.signalReceived(.sigint)
        policy.stopFinished()
        #expect(policy.state == .stopped)
        #expect(policy.signalReceived(.sigint) == .ignore)
        #expect(policy.signalReceived(.sigterm) == .ignore)
    }

    @Test func aProgrammaticStopMakesTheFirstSignalForceExit() {
        var policy = ShutdownSignalPolicy()
        policy.stopRequested()
        #expect(policy.state == .stopping(nil))
        #expect(policy.signalReceived(.sigint) == .forceExit(code: 130, signal: .sigint))
    }

    @Test func hupAndUsr1AreIndependentOfTheShutdownState() {
        var policy = ShutdownSignalPolicy()
        #expect(policy.signalReceived(.sighup) == .reopenLogs)
        #expect(policy.signalReceived(.sigusr1) == .dumpThreads)
        _ = policy.signalReceived(.sigterm)
        #expect(policy.signalReceived(.sighup) == .reopenLogs)
        #expect(policy.signalReceived(.sigusr1) == .dumpThreads)
        #expect(policy.signalReceived(.sigusr2) == .ignore)
        #expect(policy.state == .stopping(.sigterm))
    }

    @Test func stopFinishedAfterForcedExitStaysExiting() {
        var policy = ShutdownSignalPolicy()
        _ = policy.signalReceived(.sigterm)
        _ = policy.signalReceived(.sigterm)
        policy.stopFinished()
        #expect(policy.state == .exiting)
    }

    @Test func theBanner() {
        #expect(ShutdownSignalPolicy.interruptBanner == "-INT- -INT- -INT- -INT- -INT- -INT-")
    }
}
