import Synchronization
import Testing

@testable import ModeDiagnostics

/// A self-checked layout: proven and failed are kept; a check that could not decide is run again on the next use.
@Suite("ProvenLayout: kept outcomes and inconclusive checks")
struct ProvenLayoutTests {
    @Test func anInconclusiveCheckIsRunAgainOnTheNextUseAndAProvenOneIsKept() async {
        let checks = Atomic<Int>(0)
        let layout = ProvenLayout<Int> {
            // The first check's probe never got a thread (a starved pool): inconclusive, not a failure.
            checks.add(1, ordering: .relaxed).newValue == 1 ? .inconclusive("a probe never started") : .proven(8)
        }
        let first = await layout.run()
        guard case .unavailable(let reason) = first else {
            Issue.record("expected unavailable, got \(first)")
            return
        }
        #expect(reason.contains("checked again on the next use"), "\(reason)")
        #expect(await layout.run() == .available)
        #expect(await layout.run() == .available)
        #expect(checks.load(ordering: .relaxed) == 2, "a proven layout is not checked again")
    }

    @Test func aFailedCheckIsKept() async {
        let checks = Atomic<Int>(0)
        let layout = ProvenLayout<Int> {
            checks.add(1, ordering: .relaxed)
            return .failed("layout changed")
        }
        #expect(await layout.run() == .unavailable("layout changed"))
        #expect(await layout.run() == .unavailable("layout changed"))
        #expect(checks.load(ordering: .relaxed) == 1)
    }
}
