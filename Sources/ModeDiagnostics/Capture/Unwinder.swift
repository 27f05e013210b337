/// The unwinder that produced a ``RawStack``.
///
/// A struct rather than an enum so that unwinders can be added without breaking users. It encodes as a plain
/// string (`"libunwind"`, `"libunwindRemote"`, `"stackScan"`, `"framePointer"`).
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
    /// libunwind's remote interface over the process's own memory, for a thread blocked in the kernel: read
    /// without a signal from the stack and instruction pointers in `/proc/self/task/TID/syscall`.
    public static let libunwindRemote = Unwinder(name: "libunwindRemote")
    /// A thread blocked in the kernel read without a signal and without libunwind: the return addresses
    /// found by scanning up from its stack pointer to the first frame record, then the frame-pointer chain.
    public static let stackScan = Unwinder(name: "stackScan")
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
        case 3: self = .libunwindRemote
        case 4: self = .stackScan
        default: self = .none
        }
    }
}
