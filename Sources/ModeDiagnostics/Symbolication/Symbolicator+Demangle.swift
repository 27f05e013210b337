#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("swift_demangle")
private func _swiftDemangle(
    _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
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
}
