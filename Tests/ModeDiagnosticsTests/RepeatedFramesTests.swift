import Foundation
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

@Suite("Golden fixtures: a stack overflow's report")
struct OverflowGoldenFixtureTests {
    private func fixture(_ name: String) throws -> String {
        try String(contentsOf: GoldenFixtureTests.directory.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("crash-report.overflow.txt: every raw frame in the core block, the recursion collapsed in the symbolicated one")
    func text() throws {
        let text = try fixture("crash-report.overflow.txt")
        let parts = text.components(separatedBy: "=== swift-mode crash report end ===")
        try #require(parts.count == 2)
        #expect(parts[0].split(separator: "\n").filter { $0.hasPrefix("  #") }.count == 128)
        let collapsed = parts[1].split(separator: "\n").filter { $0.hasPrefix("  … ") }
        #expect(collapsed.count == 1)
        let line = try #require(collapsed.first).dropFirst(2)
        #expect(line.wholeMatch(of: /… \d+ more frames of fixtureRecurse\(_:\) at \S+\.swift:\d+/) != nil)
    }

    @Test("crash-report.overflow.json: the symbolicated record round-trips with its repeatedFrames")
    func json() throws {
        let records = try fixture("crash-report.overflow.json").split(separator: "\n").map {
            try JSONDecoder().decode(CrashReportRecord.self, from: Data($0.utf8))
        }
        #expect(records.map(\.crash.part) == ["core", "symbolicated"])
        #expect(records[0].crash.repeatedFrames == nil)
        let run = try #require(records[1].crash.repeatedFrames?.first)
        #expect(run.period == 1 && run.count + records[1].crash.frames.filter { !$0.isInlined }.count == 128)
        #expect(records[1].crash.frames.last?.index == run.afterIndex)
        let encoded = try JSONEncoder().encode(records[1])
        #expect(try JSONDecoder().decode(CrashReportRecord.self, from: encoded) == records[1])
    }
}
