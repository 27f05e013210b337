#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends `sd_notify(3)` messages (`READY=1`, `STOPPING=1`, `STATUS=...`, `WATCHDOG=1`) to systemd.
///
/// Active only when `NOTIFY_SOCKET` is set (a socket path, or `@name` for an abstract socket); otherwise every
/// call is a no-op that returns `false`. Each message is one datagram on a fresh `AF_UNIX`/`SOCK_DGRAM`
/// socket, as `sd_notify` does. No libsystemd needed.
///
/// The Worker sends `READY=1` after its services started, `STOPPING=1` when a stop begins, and — when the
/// unit has `WatchdogSec=` — `WATCHDOG=1` every ``watchdogInterval`` / 2, but only while the stall watchdog
/// reports the executors healthy (a stuck process should be restarted by systemd).
///
/// ```swift
/// let notifier = SystemdNotifier()              // reads NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID
/// try notifier.ready(status: "Serving on port 8000")
/// if let interval = notifier.watchdogInterval { /* ping every interval / 2 */ }
/// try notifier.stopping()
/// ```
public struct SystemdNotifier: Sendable {
    /// The `NOTIFY_SOCKET` value, or `nil` when not running under systemd with `Type=notify`.
    public let socketAddress: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (`WATCHDOG_USEC`), or `nil` if the watchdog is
    /// off or `WATCHDOG_PID` names another process.
    public let watchdogInterval: Duration?

    /// Whether notifications are sent (`NOTIFY_SOCKET` is set and not empty).
    public var isEnabled: Bool { self.socketAddress != nil }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment` (default: the process
    /// environment).
    ///
    /// ```swift
    /// let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"])
    /// ```
    public init(environment: [String: String]? = nil, processID: Int32 = getpid()) {
        let environment = environment ?? ProcessEnvironment.current()
        let socket = environment["NOTIFY_SOCKET"] ?? ""
        self.socketAddress = socket.isEmpty ? nil : socket
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
            interval = pidMatches ? .microseconds(usec) : nil
        }
        self.watchdogInterval = interval
    }

    /// `READY=1` (plus `STATUS=` if given): start-up finished.
    ///
    /// ```swift
    /// try notifier.ready()
    /// ```
    @discardableResult
    public func ready(status: String? = nil) throws(SystemdNotifierError) -> Bool {
        try self.send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// `STOPPING=1`: shutdown began.
    ///
    /// ```swift
    /// try notifier.stopping()
    /// ```
    @discardableResult
    public func stopping() throws(SystemdNotifierError) -> Bool {
        try self.send(["STOPPING=1"])
    }

    /// `STATUS=...`: a one-line status shown by `systemctl status`.
    ///
    /// ```swift
    /// try notifier.status("3 services running")
    /// ```
    @discardableResult
    public func status(_ text: String) throws(SystemdNotifierError) -> Bool {
        try self.send(["STATUS=\(text)"])
    }

    /// `WATCHDOG=1`: the process is healthy.
    ///
    /// ```swift
    /// try notifier.watchdog()
    /// ```
    @discardableResult
    public func watchdog() throws(SystemdNotifierError) -> Bool {
        try self.send(["WATCHDOG=1"])
    }

    /// Sends `assignments` (`KEY=value` lines) as one datagram. Returns `false` when not enabled.
    ///
    /// ```swift
    /// try notifier.send(["RELOADING=1", "STATUS=Reloading configuration"])
    /// ```
    ///
    /// - Throws: ``SystemdNotifierError`` if the address is invalid or the datagram cannot be sent.
    @discardableResult
    public func send(_ assignments: [String]) throws(SystemdNotifierError) -> Bool {
        guard let address = self.socketAddress else { return false }
        let message = assignments.joined(separator: "\n")
        var (socketAddress, length) = try Self.makeAddress(address)
        #if canImport(Darwin)
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #else
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else {
            let error = errno
            throw SystemdNotifierError(
                code: .sendFailed, message: "cannot create notify socket: \(LogSink.describe(error))", errno: error)
        }
        defer { _ = close(fd) }
        var bytes = Array(message.utf8)
        while true {
            let sent = withUnsafePointer(to: &socketAddress) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    sendto(fd, &bytes, bytes.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
            if sent >= 0 { return true }
            let error = errno
            if error == EINTR { continue }
            throw SystemdNotifierError(
                code: .sendFailed, message: "cannot notify systemd at \(address): \(LogSink.describe(error))",
                errno: error)
        }
    }

    /// Builds the `sockaddr_un` for a path or an `@abstract` name (a leading NUL, no trailing NUL).
    static func makeAddress(_ address: String) throws(SystemdNotifierError) -> (sockaddr_un, socklen_t) {
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let isAbstract = address.hasPrefix("@")
        guard isAbstract || address.hasPrefix("/") else {
            throw SystemdNotifierError(
                code: .invalidSocketAddress,
                message: "NOTIFY_SOCKET must be an absolute path or @name, got '\(address)'")
        }
        var bytes = Array(address.utf8)
        if isAbstract {
            bytes[0] = 0
        }
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard bytes.count + (isAbstract ? 0 : 1) <= capacity else {
            throw SystemdNotifierError(
                code: .invalidSocketAddress, message: "NOTIFY_SOCKET is too long (\(bytes.count) bytes)")
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = pathOffset + bytes.count + (isAbstract ? 0 : 1)
        return (socketAddress, socklen_t(length))
    }
}
