#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ModeCore
import Synchronization

/// Where ``ModeLogHandler`` writes: standard error, a log file, or any file descriptor.
///
/// **Line atomicity.** Each record is written with one `write(2)` of the whole line; the write is repeated
/// only for the rest of a partial write (and after `EINTR`). Writers of this process are serialised by a
/// mutex, so two threads never interleave a record even when the kernel splits a write. Log files are
/// opened with `O_APPEND`, so whole-line writes from other processes (or a crash reporter) land between
/// records, never inside one.
///
/// **Files** are opened `O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC`. A file this sink creates gets mode
/// `0640` exactly: it is created with `O_EXCL` and then `fchmod`-ed, because the process umask would
/// otherwise silently change it. An existing file keeps its mode (logrotate's `create` directive decides).
///
/// **Reopening** (``reopen()``, on SIGHUP after logrotate): the new file is opened on a fresh descriptor
/// and moved over the old descriptor *number* with `dup2` (then `FD_CLOEXEC` is set again), then the fresh descriptor is closed. The
/// number in ``fileDescriptor`` therefore never changes: concurrent writers, and a crash handler that
/// captured the number earlier, keep working and simply start writing to the new file.
///
/// **Crash reports.** A signal handler may write to ``fileDescriptor`` directly. To keep normal writers out
/// of the way while it does, the Worker installs a ``writeGate`` that parks them.
///
/// ```swift
/// let sink = try LogSink(path: "/var/log/app.log")
/// sink.write("[2018-03-27 15:47:12,159: INFO]: [^Worker]: Starting...\n")
/// try sink.reopen()                       // after logrotate moved the file away
/// let fd = sink.fileDescriptor            // hand to the crash reporter
/// ```
public final class LogSink: Sendable {
    /// The descriptor written to. Stable for the sink's lifetime, including across ``reopen()``.
    public let fileDescriptor: Int32
    /// The log file's path, or `nil` for standard error and adopted descriptors.
    public let path: String?
    /// Whether the descriptor was a terminal (`isatty`) when the sink was made; colour is only used then.
    ///
    /// ```swift
    /// let colour = LogSink.standardError().isTerminal
    /// ```
    public let isTerminal: Bool

    private let ownsDescriptor: Bool
    private let gate = LockedFunction<@Sendable (() -> Void) -> Void>()
    private let writeLock = Mutex<Void>(())
    private let dropped = Atomic<Int>(0)

    /// A sink writing to standard error (file descriptor 2), which it does not close.
    ///
    /// ```swift
    /// let sink = LogSink.standardError()
    /// ```
    public static func standardError() -> LogSink {
        LogSink(fileDescriptor: STDERR_FILENO, path: nil, ownsDescriptor: false)
    }

    /// Opens (creating with mode `0640` if needed) the log file at `path` for appending.
    ///
    /// ```swift
    /// let sink = try LogSink(path: "app.log")
    /// ```
    ///
    /// - Throws: ``LogSinkError`` with code ``LogSinkError/Code/openFailed``.
    public convenience init(path: String) throws(LogSinkError) {
        let fd = try Self.openLogFile(path, code: .openFailed)
        self.init(fileDescriptor: fd, path: path, ownsDescriptor: true)
    }

    /// Adopts an open descriptor (a pipe, a socket, a file opened elsewhere).
    ///
    /// ```swift
    /// var ends: [Int32] = [0, 0]
    /// pipe(&ends)
    /// let sink = LogSink(fileDescriptor: ends[1], closeOnDeinit: true)
    /// ```
    ///
    /// - Parameters:
    ///   - fileDescriptor: The descriptor to write to.
    ///   - closeOnDeinit: Whether the sink closes the descriptor when it is deallocated.
    public convenience init(fileDescriptor: Int32, closeOnDeinit: Bool) {
        self.init(fileDescriptor: fileDescriptor, path: nil, ownsDescriptor: closeOnDeinit)
    }

    private init(fileDescriptor: Int32, path: String?, ownsDescriptor: Bool) {
        self.fileDescriptor = fileDescriptor
        self.path = path
        self.ownsDescriptor = ownsDescriptor
        self.isTerminal = isatty(fileDescriptor) == 1
    }

    deinit {
        if self.ownsDescriptor {
            _ = close(self.fileDescriptor)
        }
    }

    /// Wraps every write (outside the sink's lock): the gate runs the write it is given, or holds it back.
    /// The Worker sets it to the crash reporter's log gate, so that a crash report written to
    /// ``fileDescriptor`` by a signal handler waits for writes in flight and no record lands inside it;
    /// `nil` (the default) means no gate.
    ///
    /// ```swift
    /// sink.writeGate = { write in
    ///     while !CrashReporter.withLogGate(write) { usleep(100_000) }   // a crash is being reported
    /// }
    /// ```
    public var writeGate: (@Sendable (() -> Void) -> Void)? {
        get { self.gate.load() }
        set { self.gate.store(newValue) }
    }

    /// The number of records that could not be written (the descriptor reported an error other than `EINTR`).
    ///
    /// ```swift
    /// if sink.droppedRecords > 0 { /* disk full? */ }
    /// ```
    public var droppedRecords: Int {
        self.dropped.load(ordering: .relaxed)
    }

    /// Writes `line` (which should end with `"\n"`) with a single `write(2)`, continuing only after a partial
    /// write or `EINTR`. Never throws: a record that cannot be written is counted in ``droppedRecords``.
    ///
    /// ```swift
    /// sink.write("hello\n")
    /// ```
    public func write(_ line: String) {
        var line = line
        let write = {
            line.withUTF8 { bytes in
                self.writeLock.withLock { _ in
                    if !Self.writeAll(self.fileDescriptor, bytes) {
                        self.dropped.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        if let gate = self.writeGate {
            gate(write)
        } else {
            write()
        }
    }

    /// Reopens the log file at ``path`` (after logrotate renamed it) on the same descriptor number.
    /// Does nothing for standard error and adopted descriptors.
    ///
    /// ```swift
    /// try sink.reopen()
    /// ```
    ///
    /// - Throws: ``LogSinkError`` with code ``LogSinkError/Code/reopenFailed``; the sink then keeps writing to
    ///   the old file.
    public func reopen() throws(LogSinkError) {
        guard let path = self.path else { return }
        let fresh = try Self.openLogFile(path, code: .reopenFailed)
        defer { _ = close(fresh) }
        try self.writeLock.withLock { _ throws(LogSinkError) in
            while Self.moveDescriptor(fresh, over: self.fileDescriptor) < 0 {
                let error = errno
                if error == EINTR || error == EBUSY { continue }
                throw LogSinkError(
                    code: .reopenFailed, message: "cannot reopen log file \(path): \(Self.describe(error))",
                    errno: error)
            }
        }
    }

    private static func moveDescriptor(_ source: Int32, over target: Int32) -> Int32 {
        // dup2 clears FD_CLOEXEC on the target, so set it again (dup3 is not visible to Swift without
        // _GNU_SOURCE). A child forked in between would inherit the descriptor; the Worker does not fork.
        let result = dup2(source, target)
        if result >= 0 { _ = fcntl(target, F_SETFD, FD_CLOEXEC) }
        return result
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard var next = bytes.baseAddress else { return true }
        var remaining = bytes.count
        var waits = 0
        while remaining > 0 {
            let written = systemWrite(fd, next, remaining)
            if written >= 0 {
                next += written
                remaining -= written
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN where waits < 100:
                // A non-blocking descriptor (a shared terminal or pipe): wait until it is writable.
                waits += 1
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, 100)
            default:
                return false
            }
        }
        return true
    }

    private static func openLogFile(_ path: String, code: LogSinkError.Code) throws(LogSinkError) -> Int32 {
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC
        for _ in 0..<8 {
            let created = open(path, flags | O_CREAT | O_EXCL, 0o640)
            if created >= 0 {
                // The umask must not weaken or strengthen the documented mode of a file we create.
                _ = fchmod(created, 0o640)
                return created
            }
            var error = errno
            if error == EINTR { continue }
            if error == EEXIST {
                let existing = open(path, flags)
                if existing >= 0 { return existing }
                error = errno
                // Deleted between the two opens (logrotate): try creating again.
                if error == ENOENT || error == EINTR { continue }
            }
            throw LogSinkError(
                code: code, message: "cannot open log file \(path): \(Self.describe(error))", errno: error)
        }
        throw LogSinkError(
            code: code, message: "cannot open log file \(path): it keeps appearing and disappearing", errno: EAGAIN)
    }

    static func describe(_ error: Int32) -> String {
        guard let text = strerror(error) else { return "errno \(error)" }
        return "\(String(cString: text)) (errno \(error))"
    }
}

#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
// `write` is shadowed by ``LogSink/write(_:)`` inside the class.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(fd, buffer, count)
}
#endif
