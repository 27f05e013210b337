/// One symbolicated frame of a native (or async) stack.
///
/// `module` and `moduleOffset` are always filled when the address lies in a loaded image, also for stripped
/// binaries: `module+0xOFFSET` can be resolved offline with `mode-symbolicate` against the unstripped binary.
///
/// ```swift
/// for frame in Symbolicator.shared.symbolicate(stack) { print(frame.render()) }
/// // #2  0x000055d1c3a01f4c parkHere() at /src/App/Worker.swift:42:9 [App+0x1f4c]
/// ```
public struct StackFrame: Sendable, Codable, Equatable {
    /// Index of the physical frame in the raw stack (inlined frames share the index of the frame that holds them).
    public var index: Int
    /// The program counter (frame 0 of a signal capture) or return address.
    public var address: UInt
    /// Demangled function name, `nil` when unknown.
    public var symbol: String?
    /// Image name (file name of the executable or shared object).
    public var module: String?
    /// `address` minus the image's load bias: the ELF virtual address `llvm-symbolizer`/`addr2line` expect.
    public var moduleOffset: UInt?
    /// Source file, when debug info is available.
    public var file: String?
    /// Source line.
    public var line: Int?
    /// Source column.
    public var column: Int?
    /// Whether this frame was inlined into the next physical frame.
    public var isInlined: Bool
    /// Whether this frame is an async caller (a resume point), not a native frame.
    public var isAsync: Bool

    /// Creates a frame.
    ///
    /// ```swift
    /// let frame = StackFrame(index: 0, address: 0x1234, symbol: "main", module: "App", moduleOffset: 0x1234)
    /// ```
    public init(
        index: Int, address: UInt, symbol: String? = nil, module: String? = nil, moduleOffset: UInt? = nil,
        file: String? = nil, line: Int? = nil, column: Int? = nil, isInlined: Bool = false, isAsync: Bool = false
    ) {
        self.index = index
        self.address = address
        self.symbol = symbol
        self.module = module
        self.moduleOffset = moduleOffset
        self.file = file
        self.line = line
        self.column = column
        self.isInlined = isInlined
        self.isAsync = isAsync
    }

    /// One line: `#index  0xADDRESS symbol at file:line:column [module+0xOFFSET]`, with `(inlined)` / `[async]`
    /// markers.
    ///
    /// ```swift
    /// print(frame.render())
    /// ```
    public func render() -> String {
        var text = "#\(index)"
        text += String(repeating: " ", count: max(1, 4 - text.count))
        text += Self.hex(address, width: 16)
        if isAsync { text += " [async]" }
        text += " " + (symbol ?? "???")
        if isInlined { text += " (inlined)" }
        if let file {
            text += " at \(file)"
            if let line { text += ":\(line)" + (column.map { $0 > 0 ? ":\($0)" : "" } ?? "") }
        }
        if let module {
            text += " [\(module)" + (moduleOffset.map { "+" + Self.hex($0, width: 0) } ?? "") + "]"
        }
        return text
    }

    static func hex(_ value: UInt, width: Int) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
