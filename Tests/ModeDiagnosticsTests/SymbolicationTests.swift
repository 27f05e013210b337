import Foundation
import ModeDiagnostics
import Testing

@Suite("Symbolicator and fallbacks")
struct SymbolicationTests {
    @Test("module+offset is present for every frame that lies in an image, and rendering shows it")
    func moduleOffsets() {
        let frames = Symbolicator.shared.symbolicate(StackCapture.captureCurrentThread())
        #expect(!frames.isEmpty)
        #expect(frames.filter { $0.module != nil }.allSatisfy { $0.moduleOffset != nil })
        let first = frames[0]
        #expect(first.render().contains("[\(first.module ?? "?")+0x"))
    }

    @Test("demangling Swift symbols, other names unchanged")
    func demangle() {
        #expect(Symbolicator.demangle("$s4main3fooyyF").contains("foo()"))
        #expect(Symbolicator.demangle("write") == "write")
    }

    @Test("with libunwind disabled the frame-pointer walk still yields the functions, with a note")
    func framePointerFallback() throws {
        let output = ChildProcess.temporaryFile("capture-fp")
        let child = try ChildProcess(["capture", output], environment: ["MODE_DISABLE_LIBUNWIND": "1"])
        let exit = child.wait()
        #expect(exit.status == 0, "\(exit) \(exit.stderr)")
        let result = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        // The parked thread is read without a signal by the stack scan, the spinning one through SIGPROF.
        #expect(result["unwinder"] == "stackScan")
        #expect(result["spinUnwinder"] == "framePointer")
        #expect(result["note"]?.contains("MODE_DISABLE_LIBUNWIND") == true)
        #expect(result["spinSymbols"]?.contains("fixtureSpinningForCapture") == true)
        #expect(result["parkedSymbols"]?.contains("fixtureParkedForCapture") == true)
    }

    @Test("SIGPROFs that are not capture requests reach the handler installed before ours")
    func sigprofChained() throws {
        let output = ChildProcess.temporaryFile("sigprof-chain")
        let exit = try ChildProcess(["sigprof-chain", output]).wait()
        #expect(exit.status == 0, "\(exit) \(exit.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasPrefix("foreign=3 "), "\(text)")
        #expect(!text.contains("frames=0"))
    }

    @Test("capture and symbolication figures of a child process (libunwind)")
    func measuredFigures() throws {
        let output = ChildProcess.temporaryFile("capture")
        let child = try ChildProcess(["capture", output, "200"])
        let exit = child.wait()
        #expect(exit.status == 0, "\(exit) \(exit.stderr)")
        let result = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(result["unwinder"] == "libunwindRemote")
        #expect(result["spinUnwinder"] == "libunwind")
        #expect(result["parkedSymbols"]?.contains("fixtureParkedForCapture") == true)
        #expect(Double(result["parkedMedianMicros"] ?? "") != nil)
        print("mode-diagnostics figures:", result.filter { !$0.key.hasSuffix("Symbols") }.sorted { $0.key < $1.key })
    }
}
