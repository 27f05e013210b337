import Logging
import ModeCore
import ModeTestKit
import Testing

@Suite("Large trees")
struct ServiceScaleTests {
    final class Leaf: Service {
        let lifecycle = ServiceLifecycleState(label: "Leaf")
    }

    @Test("a tree of 10,000 services (fanout 10) starts and stops completely")
    func tenThousandServices() async throws {
        let capture = LogCapture(level: .critical)
        let root = Leaf()
        root.lifecycle.setLogger(capture.logger)
        var level: [any Service] = [root]
        var total = 1
        while total < 10_000 {
            var next: [any Service] = []
            for parent in level {
                for _ in 0..<10 where total < 10_000 {
                    next.append(try parent.addDependency(Leaf()))
                    total += 1
                }
            }
            level = next
        }
        let all = root.subtree()
        #expect(all.count == 10_000)
        try await root.start()
        #expect(all.allSatisfy { $0.state == .running })
        await root.stop()
        #expect(all.allSatisfy { $0.state == .shutdown })
    }

    @Test("a flat group of 10,000 siblings starts and stops completely")
    func flatTenThousand() async throws {
        let root = Leaf()
        root.lifecycle.setLogger(LogCapture(level: .critical).logger)
        for _ in 0..<10_000 { try root.addDependency(Leaf()) }
        try await root.start()
        #expect(root.children.allSatisfy { $0.state == .running })
        await root.stop()
        #expect(root.children.allSatisfy { $0.state == .shutdown })
    }
}
