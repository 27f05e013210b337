#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("swift_demangle")
private func _swiftDemangle(
    _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

@_silgen_name("_swift_backtrace_demangle")
private func _swiftBacktraceDemangle(
    _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?
) -> UnsafeMutablePointer<CChar>?

extension Symbolicator {
    /// Demangles a Swift symbol (`$s...`), returning other names unchanged.
    ///
    /// ```swift
    /// Symbolicator.demangle("$s4main3fooyyF")  // "main.foo() -> ()"
    /// ```
    public static func demangle(_ name: String) -> String {
        guard name.hasPrefix("$s") || name.hasPrefix("_T") || name.hasPrefix("$S") else { return name }
        return name.withCString { pointer in
            guard let result = _swiftDemangle(pointer, strlen(pointer), nil, nil, 0) else { return name }
            defer { free(result) }
            return String(cString: result)
        }
    }

    /// The name a frame shows, demangled as the toolchain's backtracer does (`_swift_backtrace_demangle` in
    /// libswiftCore, what `Runtime`'s `Symbol.name` calls): simplified Swift names such as
    /// `blockingWork(milliseconds:)`, demangled C++ names, other names unchanged.
    static func runtimeName(_ rawName: String) -> String {
        rawName.withCString { pointer in
            var length = 0
            guard let result = _swiftBacktraceDemangle(pointer, strlen(pointer), nil, &length) else { return rawName }
            defer { free(result) }
            let demangled = String(cString: result)
            return demangled.isEmpty ? rawName : demangled
        }
    }
}
