import CModeSupport

#if canImport(Glibc)
import Glibc
#endif

/// Small facts about this process the watchdog needs: debugger presence and a wall-clock timestamp.
enum ProcessInspection {
    /// Whether a tracer (gdb, lldb, strace) is attached: `TracerPid` in `/proc/self/status` is not 0.
    static var isDebuggerAttached: Bool {
        guard let status = ProcFile.read("/proc/self/status") else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("TracerPid:") {
            let value = line.dropFirst("TracerPid:".count).trimmingPrefix { $0 == " " || $0 == "\t" }
            return Int(value) ?? 0 != 0
        }
        return false
    }

    /// Now as RFC 3339 UTC with milliseconds: `2026-11-25T01:40:03.512Z`.
    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(spec.tv_nsec / 1_000_000), 3))Z"
    }

    static var processID: Int32 { getpid() }
}
