import CModeSupport
import ModeThreads

#if canImport(Glibc)
import Glibc
#endif

/// Lists the threads of this process from `/proc/self/task`, and names the calling thread.
///
/// ```swift
/// ThreadInventory.setCurrentThreadName("mode-watchdog")
/// let me = ThreadInventory.info(threadID: ThreadInventory.currentThreadID())
/// ```
public enum ThreadInventory {
    /// The calling thread's kernel thread id (`gettid`).
    ///
    /// ```swift
    /// let tid = ThreadInventory.currentThreadID()
    /// ```
    public static func currentThreadID() -> Int32 { OwnedThread.currentThreadID }

    /// Every thread of the process, sorted by tid.
    ///
    /// ```swift
    /// let names = ThreadInventory.list().map(\.name)
    /// ```
    public static func list() -> [ThreadInfo] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var tids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let tid = Int32(name) { tids.append(tid) }
        }
        return tids.sorted().compactMap { info(threadID: $0) }
    }

    /// The description of thread `threadID`, `nil` if it is not (or no longer) a thread of this process.
    ///
    /// ```swift
    /// if let info = ThreadInventory.info(threadID: tid) { print(info.state) }
    /// ```
    public static func info(threadID: Int32) -> ThreadInfo? {
        let base = "/proc/self/task/\(threadID)"
        guard let stat = ProcFile.read("\(base)/stat") else { return nil }
        // "tid (comm) S ...": comm may contain spaces and parentheses, so split at the last ')'.
        var state = "?"
        if let close = stat.lastIndex(of: ")") {
            let rest = stat[stat.index(after: close)...].drop { $0 == " " }
            if let first = rest.first { state = String(first) }
        }
        var name = ProcFile.read("\(base)/comm") ?? ""
        while name.hasSuffix("\n") { name.removeLast() }
        var wchan = ProcFile.read("\(base)/wchan")
        if wchan == "0" || wchan?.isEmpty == true { wchan = nil }
        let inherited = c_mode_thread_name_is_inherited(threadID, name) != 0
        return ThreadInfo(tid: threadID, name: name, state: state, wchan: wchan, nameIsInherited: inherited)
    }

    /// Names the calling thread (the kernel keeps 15 bytes), and records that swift-mode gave it this name: a
    /// thread it creates starts with the same name and is then listed as ``ThreadInfo/nameIsInherited``.
    ///
    /// ```swift
    /// ThreadInventory.setCurrentThreadName("mode-dumper")
    /// ```
    public static func setCurrentThreadName(_ name: String) {
        OwnedThread.nameCurrentThread(name)
    }
}

/// Small reads of `/proc` files (which report size 0, so they are read until EOF).
enum ProcFile {
    static func read(_ path: String, limit: Int = 65536) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
