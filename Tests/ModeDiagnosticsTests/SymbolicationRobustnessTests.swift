import Foundation
import Testing

@testable import ModeDiagnostics

/// Bad input to swift-mode's ELF/DWARF reader: corrupt, truncated, stripped or compressed images and
/// addresses in no image give shorter frames, never a crash.
@Suite("Own symbolication with bad input")
struct SymbolicationRobustnessTests {
    /// A copy of the fixture executable (a debug build: symbols and DWARF) to damage.
    static func copyOfFixture(_ name: String) throws -> String {
        let path = ChildProcess.temporaryFile(name)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: ChildProcess.fixtureURL.path, toPath: path)
        return path
    }

    /// Addresses in the middle of the fixture's functions (ELF virtual addresses), from the intact file.
    static func functionAddresses(_ path: String, count: Int = 400) throws -> [UInt64] {
        let file = try #require(ELFFile(path: path))
        let entries = ELFSymbolTable(file: file).entries.filter { $0.size >= 8 }
        let step = max(1, entries.count / count)
        return stride(from: 0, to: entries.count, by: step).map { entries[$0].value + UInt64(entries[$0].size) / 2 }
    }

    static func symbolicate(_ path: String, _ addresses: [UInt64]) -> [[StackFrame]?] {
        let symbolicator = ImageSymbolicator()
        return addresses.map { address in
            symbolicator.frames(
                imagePath: path, relativeAddress: address, inlined: true,
                physical: StackFrame(index: 0, address: UInt(address)))?.frames
        }
    }

    static func overwrite(_ path: String, at offset: UInt64, count: Int, seed: UInt64) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        var generator = SeededGenerator(state: seed)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    @Test("the intact fixture gives names and source locations (the baseline the damaged copies fall short of)")
    func intactBaseline() throws {
        let path = try Self.copyOfFixture("intact")
        let frames = Self.symbolicate(path, try Self.functionAddresses(path))
        #expect(frames.compactMap { $0?.last?.symbol }.count >= 300)
        #expect(frames.compactMap { $0?.last?.file }.count >= 200)
    }

    @Test("garbage in .debug_info, .debug_abbrev, .debug_line, .debug_str and .debug_ranges: names stay, no crash")
    func corruptDebugSections() throws {
        let original = try Self.copyOfFixture("corrupt-source")
        let addresses = try Self.functionAddresses(original)
        let sections = try #require(ELFFile(path: original)).sections
        for (round, name) in [".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_ranges", ".debug_rnglists"]
            .enumerated()
        {
            guard let section = sections.first(where: { $0.name == name && $0.size > 0 }) else { continue }
            let path = try Self.copyOfFixture("corrupt\(name)")
            // Several patches over the section: unit headers, lengths, opcodes and strings turn to noise.
            for patch in 0..<16 {
                let offset = section.offset + section.size * UInt64(patch) / 16
                try Self.overwrite(path, at: offset, count: Int(min(64, section.size / 16 + 1)), seed: UInt64(round * 100 + patch))
            }
            let frames = Self.symbolicate(path, addresses)
            #expect(frames.compactMap { $0?.last?.symbol }.count >= 300, "\(name)")
        }
    }

    @Test("40 rounds of random bytes over the debug sections and symbol table: every lookup returns")
    func randomCorruption() throws {
        let path = try Self.copyOfFixture("fuzz")
        let addresses = try Self.functionAddresses(path, count: 150)
        let targets = try #require(ELFFile(path: path)).sections.filter {
            $0.size > 64 && ($0.name.hasPrefix(".debug_") || $0.name == ".symtab" || $0.name == ".strtab")
        }
        try #require(targets.count >= 5)
        var generator = SeededGenerator(state: 12)
        var answered = 0
        for round in 0..<40 {
            for _ in 0..<6 {
                let section = targets.randomElement(using: &generator)!
                let offset = section.offset + UInt64.random(in: 0..<(section.size - 16), using: &generator)
                try Self.overwrite(path, at: offset, count: Int.random(in: 1...16, using: &generator), seed: UInt64(round))
            }
            answered += Self.symbolicate(path, addresses).count
        }
        #expect(answered == 40 * addresses.count)
    }

    @Test("a truncated copy and a copy with a garbage ELF header: no frames, no crash")
    func truncatedAndGarbageHeader() throws {
        let original = try Self.copyOfFixture("truncated-source")
        let addresses = try Self.functionAddresses(original)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int)
        for fraction in [2, 3, 10, 100] {
            let path = try Self.copyOfFixture("truncated-\(fraction)")
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.truncate(atOffset: UInt64(size / fraction))
            try handle.close()
            _ = Self.symbolicate(path, addresses)  // must return, whatever it finds
        }
        let garbage = try Self.copyOfFixture("garbage-header")
        try Self.overwrite(garbage, at: 0, count: 64, seed: 7)
        #expect(ELFFile(path: garbage) == nil)
        #expect(Self.symbolicate(garbage, addresses).allSatisfy { $0 == nil })
        #expect(Self.symbolicate("/nonexistent/binary", addresses).allSatisfy { $0 == nil })
    }

    @Test("stripped of debug info, or with compressed debug sections: names only")
    func withoutDebugInfo() throws {
        let original = try Self.copyOfFixture("nodebug-source")
        let addresses = try Self.functionAddresses(original)
        for (name, arguments) in [("strip-debug", ["--strip-debug"]), ("compressed", ["--compress-debug-sections=zlib"])] {
            let path = try Self.copyOfFixture(name)
            let objcopy = Process()
            objcopy.executableURL = URL(fileURLWithPath: "/usr/bin/objcopy")
            objcopy.arguments = arguments + [path]
            try objcopy.run()
            objcopy.waitUntilExit()
            try #require(objcopy.terminationStatus == 0, "objcopy \(arguments)")
            let file = try #require(ELFFile(path: path))
            #expect(DWARFReader(file: file) == nil, "\(name)")
            let frames = Self.symbolicate(path, addresses)
            #expect(frames.compactMap { $0?.last?.symbol }.count >= 300, "\(name)")
            #expect(frames.allSatisfy { $0?.allSatisfy { $0.file == nil && !$0.isInlined } ?? true }, "\(name)")
        }
    }

    @Test("fully stripped (no .symtab, no exported functions): every address is left to be reported raw")
    func fullyStripped() throws {
        let path = try Self.copyOfFixture("stripped")
        let strip = Process()
        strip.executableURL = URL(fileURLWithPath: "/usr/bin/strip")
        strip.arguments = [path]
        try strip.run()
        strip.waitUntilExit()
        try #require(strip.terminationStatus == 0)
        let file = try #require(ELFFile(path: path))
        #expect(ELFSymbolTable(file: file).source == nil)
        #expect(DWARFReader(file: file) == nil)
        let frames = Self.symbolicate(path, try Self.functionAddresses(try Self.copyOfFixture("stripped-source")))
        #expect(frames.count >= 300 && frames.allSatisfy { $0 == nil })
    }

    @Test("an address in no image is reported raw: one frame, no symbol, no module")
    func addressInNoImage() {
        let frames = Symbolicator().symbolicate(RawStack(addresses: [0x10, 0x20], unwinder: .libunwind))
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0.module == nil && $0.file == nil && !$0.isInlined })
    }
}
