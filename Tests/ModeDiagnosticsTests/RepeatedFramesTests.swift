import ModeDiagnostics
import Testing

@Suite("RepeatedFrames")
struct RepeatedFramesTests {
    @Test("direct recursion keeps one copy and counts the rest, with the original indices")
    func directRecursion() {
        let addresses: [UInt] = [0x10] + Array(repeating: 0x20, count: 126) + [0x30]
        let (kept, runs) = RepeatedFrames.collapse(addresses)
        #expect(kept.map(\.index) == [0, 1, 127])
        #expect(kept.map(\.address) == [0x10, 0x20, 0x30])
        #expect(runs == [RepeatedFrames(afterIndex: 1, count: 125, period: 1)])
    }

    @Test("mutual recursion collapses by its cycle")
    func mutualRecursion() {
        let addresses: [UInt] = [0x1] + Array(repeating: [0xa, 0xb], count: 10).flatMap { $0 } + [0x2]
        let (kept, runs) = RepeatedFrames.collapse(addresses)
        #expect(kept.map(\.address) == [0x1, 0xa, 0xb, 0x2])
        #expect(runs == [RepeatedFrames(afterIndex: 2, count: 18, period: 2)])
    }

    @Test("a stack without repeats is unchanged")
    func noRepeats() {
        let (kept, runs) = RepeatedFrames.collapse([1, 2, 3, 2, 1])
        #expect(kept.map(\.address) == [1, 2, 3, 2, 1])
        #expect(runs.isEmpty)
    }

    @Test("rendered as '… N more frames of f() at file:line'")
    func render() {
        let frame = StackFrame(index: 1, address: 0x20, symbol: "f()", module: "App", moduleOffset: 0x20,
                               file: "/src/App.swift", line: 7, column: 3)
        #expect(RepeatedFrames(afterIndex: 1, count: 120, period: 1).render(innermost: frame)
                == "… 120 more frames of f() at /src/App.swift:7")
        #expect(RepeatedFrames(afterIndex: 2, count: 18, period: 2).render(innermost: frame)
                == "… 18 more frames repeating the 2 frames above")
        let bare = StackFrame(index: 1, address: 0x20, module: "App", moduleOffset: 0x20)
        #expect(RepeatedFrames(afterIndex: 1, count: 1, period: 1).render(innermost: bare)
                == "… 1 more frame of 0x20 [App+0x20]")
    }
}
