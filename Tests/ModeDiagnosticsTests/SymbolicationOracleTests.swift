import CModeSupport
import Foundation
@_spi(Internal) import Runtime
import Testing

@testable import ModeDiagnostics

/// swift-mode's ELF/DWARF reader against the toolchain's `Runtime` symbolication it replaced (the oracle):
/// the same addresses must give the same function names, files, lines, columns and inline chains.
@Suite("Own symbolication matches Runtime's")
struct SymbolicationOracleTests {
    struct Frame: Equatable, CustomStringConvertible {
        var name: String?
        var file: String?
        var line: Int?
        var column: Int?
        var inlined: Bool
        var description: String {
            "\(inlined ? "(inlined) " : "")\(name ?? "-") at \(file ?? "-"):\(line ?? -1):\(column ?? -1)"
        }
    }

    /// Runtime's frames for each key (the grouping the Symbolicator used before).
    static func oracle(_ keys: [(UInt, Symbolicator.AddressKind)]) -> [[Frame]?] {
        let images = ImageMap.capture()
        let rich: [RichFrame<UInt>] = keys.map { address, kind in
            switch kind {
            case .programCounter: .programCounter(address)
            case .returnAddress: .returnAddress(address)
            case .asyncResumePoint: .asyncResumePoint(address)
            }
        }
        let backtrace = Backtrace(architecture: "x86_64", frames: rich, images: images)
        guard let symbolicated = backtrace.symbolicated(with: images, options: [.showInlineFrames, .showSourceLocations])
        else { return keys.map { _ in nil } }
        var result: [[Frame]?] = []
        var group: [Frame] = []
        var unresolved = false
        for frame in symbolicated.frames {
            switch frame.captured {
            case .omittedFrames, .truncated: continue
            default: break
            }
            if let symbol = frame.symbol {
                group.append(
                    Frame(
                        name: symbol.name, file: symbol.sourceLocation?.path, line: symbol.sourceLocation?.line,
                        column: symbol.sourceLocation?.column, inlined: frame.inlined))
            } else {
                unresolved = true
            }
            if !frame.inlined {
                result.append(unresolved ? nil : group)
                group = []
                unresolved = false
            }
        }
        return result
    }

    /// The one justified difference. Runtime lists the inlined calls around an address by their lowest
    /// address (an inner call at a lower address than its outer call comes first only when they start
    /// together), and hands each frame the next call's site: when an outer inlined call starts before the
    /// inner one, its frames come outermost first, so each name sits at another frame's location and the
    /// physical frame shows the innermost call site. swift-mode follows the DIE tree: innermost first,
    /// every frame at its own location, the physical frame at the outermost call site (what llvm-symbolizer
    /// and addr2line -i print). Accepted when the same functions and the same locations appear, the
    /// physical function and the first location are the same, and only the order of the inlined names differs.
    static func isRuntimeNestingOrder(runtime: [Frame], own: [Frame]) -> Bool {
        guard runtime.count == own.count, runtime.count > 2, runtime.last?.name == own.last?.name else { return false }
        let runtimeNames = runtime.dropLast().map(\.name)
        let ownNames = own.dropLast().map(\.name)
        func locations(_ frames: [Frame]) -> [String] { frames.map { "\($0.file ?? ""):\($0.line ?? 0):\($0.column ?? 0)" }.sorted() }
        return runtimeNames != ownNames && Set(runtimeNames) == Set(ownNames) && locations(runtime) == locations(own)
            && runtime.first?.file == own.first?.file && runtime.first?.line == own.first?.line
    }

    static func own(_ keys: [(UInt, Symbolicator.AddressKind)]) -> [[Frame]?] {
        let symbolicator = ImageSymbolicator()
        return keys.map { address, kind in
            symbolicator.frames(address: UInt64(address), kind: kind)?.frames.map {
                Frame(name: $0.symbol, file: $0.file, line: $0.line, column: $0.column, inlined: $0.isInlined)
            }
        }
    }

    /// Addresses inside functions of the test binary (evenly spread over its symbol table), as PCs and as
    /// return addresses, plus addresses in libswiftCore and libc.
    static func sampleKeys(count: Int) throws -> [(UInt, Symbolicator.AddressKind)] {
        _ = c_mode_modules_refresh()
        let executable = try #require(ELFFile(path: "/proc/self/exe"))
        let table = ELFSymbolTable(file: executable)
        var bias: UInt = 0
        var path: UnsafePointer<CChar>? = nil
        // The executable's load bias: from the module table, through a return address of this test.
        let executablePath = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let found = StackCapture.captureCurrentThread().addresses.contains { address in
            c_mode_modules_lookup(address, &bias, &path) != 0 && path.map { String(cString: $0) } == executablePath
        }
        try #require(found)
        let sized = table.entries.filter { $0.size >= 16 }
        var keys: [(UInt, Symbolicator.AddressKind)] = []
        let step = max(1, sized.count / count)
        for (index, entry) in sized.enumerated() where index % step == 0 {
            let start = UInt(entry.value) + bias
            keys.append((start + UInt(entry.size) / 2, .programCounter))
            keys.append((start + UInt(entry.size) / 3 + 1, .returnAddress))
        }
        // Addresses inside inlined calls (transparent stdlib functions), as both kinds.
        var dwarf = try #require(DWARFReader(file: executable))
        for address in dwarf.inlinedAddresses(limit: count / 3) + dwarf.inlinedAddresses(limit: count / 3, nested: true) {
            keys.append((UInt(address) + bias, .programCounter))
            keys.append((UInt(address) + bias + 1, .returnAddress))
        }
        for name in ["swift_retain", "swift_release", "swift_allocObject", "strlen", "malloc", "pthread_mutex_lock"] {
            if let symbol = dlsym(dlopen(nil, RTLD_NOW), name) {
                keys.append((UInt(bitPattern: symbol) + 4, .programCounter))
                keys.append((UInt(bitPattern: symbol) + 9, .returnAddress))
            }
        }
        return keys
    }

    @Test("a few hundred addresses: same names, files, lines, columns and inline chains as Runtime")
    func matchesRuntime() throws {
        let keys = try Self.sampleKeys(count: 150)
        let clock = ContinuousClock()
        let runtimeStart = clock.now
        let expected = Self.oracle(keys)
        let ownStart = clock.now
        let actual = Self.own(keys)
        print("oracle: Runtime \(ownStart - runtimeStart), own (fresh indexes) \(clock.now - ownStart) for \(keys.count) addresses")
        #expect(expected.count == keys.count)
        var compared = 0
        var inlinedChains = 0
        var nestedChains = 0
        var reordered = 0
        var mismatches: [String] = []
        for (index, key) in keys.enumerated() {
            guard let runtime = expected[index] else { continue }
            // Runtime reads .symtab only: in an image stripped of it (libc) it names every function
            // "<unknown>"; swift-mode falls back to .dynsym and names them. Not compared.
            if runtime.last?.name == "<unknown>" {
                #expect(actual[index]?.last?.name != nil)
                continue
            }
            compared += 1
            if runtime.count > 1 { inlinedChains += 1 }
            if runtime.count > 2 { nestedChains += 1 }
            if let own = actual[index], own != runtime, Self.isRuntimeNestingOrder(runtime: runtime, own: own) {
                reordered += 1
                continue
            }
            if actual[index] != runtime {
                mismatches.append(
                    "\(String(key.0, radix: 16)) \(key.1):\n  runtime: \(runtime)\n  own:     \(actual[index].map { "\($0)" } ?? "nil")")
            }
        }
        print("oracle: \(compared) compared, \(inlinedChains) with inlined frames (\(nestedChains) nested), \(mismatches.count) differ, \(reordered) in Runtime's nesting order")
        #expect(compared >= 250)
        #expect(inlinedChains >= 50)
        #expect(nestedChains >= 10)
        #expect(reordered < nestedChains)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20).joined(separator: "\n"))")
    }
}
