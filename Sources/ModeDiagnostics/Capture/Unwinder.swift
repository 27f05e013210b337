/// The unwinder that produced a ``RawStack``.
///
/// A struct rather than an enum so that unwinders can be added without breaking users. It encodes as a plain
/// string (`"libunwind"`, `"framePointer"`).
///
/// ```swift
/// let stack = StackCapture.captureCurrentThread()
/// if stack.unwinder == .framePointer { print("degraded stack:", stack.note ?? "") }
/// ```
public struct Unwinder: Sendable, Hashable, Codable, CustomStringConvertible {
    private let name: String

    private init(name: String) { self.name = name }

    /// libunwind (`libunwind.so.8`, loaded with `dlopen`): DWARF CFI, exact through C frames without frame pointers.
    public static let libunwind = Unwinder(name: "libunwind")
    /// The frame-pointer walk used when libunwind is missing or fails; may skip frames of code built without
    /// frame pointers (the C library), never faults.
    public static let framePointer = Unwinder(name: "framePointer")
    /// No unwinder ran (no frames).
    public static let none = Unwinder(name: "none")

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    init(cValue: Int32) {
        switch cValue {
        case 1: self = .libunwind
        case 2: self = .framePointer
        default: self = .none
        }
    }
}
