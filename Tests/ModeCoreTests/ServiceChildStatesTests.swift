@testable import ModeCore
import ModeTestKit
import Synchronization
import Testing

/// The storage keeps each child's own storage next to it (the start and stop prefetch it); every way of adding,
/// removing or replacing a child keeps the two in step.
@Suite("Children and their storage stay in step")
struct ServiceChildStatesTests {
    func inStep(_ parent: any Service) -> Bool {
        let (children, states) = parent.lifecycle.state.withLock { ($0.children, $0.childStates) }
        return children.count == states.count && zip(children, states).allSatisfy { $0.lifecycle === $1 }
    }

    @Test("add, move, remove and a supervisor's replacement")
    func everyChange() async throws {
        let events = EventRecorder()
        let root = RecordingService("Root", events: events)
        let other = RecordingService("Other", events: events)
        let children = (0..<4).map { RecordingService("C\($0)", events: events) }
        for child in children { try root.addDependency(child) }
        #expect(inStep(root) && root.lifecycle.state.withLock { $0.childStates.count } == 4)
        try other.addDependency(children[1])  // moved away
        #expect(inStep(root) && inStep(other) && root.children.count == 3)
        await root.removeDependency(children[2])
        #expect(inStep(root) && root.children.map(\.label) == ["C0", "C3"])
        let fresh = RecordingService("Fresh", events: events)
        root.lifecycle.replaceSupervised(children[3], with: fresh, under: root)
        #expect(inStep(root) && root.children.map(\.label) == ["C0", "Fresh"])
        try await root.start()
        await root.stop()
        #expect(root.children.allSatisfy { $0.state == .shutdown })
    }
}
