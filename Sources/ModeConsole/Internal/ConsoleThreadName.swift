#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Names the calling thread, so that `threads`/`stacks`, `top -H` and `/proc/PID/task/*/comm` show the
/// console's threads (and the Worker's HTTP endpoint thread) by name.
///
/// Written through `/proc/thread-self/comm` because `pthread_setname_np` is a GNU extension that Swift's
/// Glibc module does not declare.
package enum ConsoleThreadName {
    /// Sets the current thread's name (Linux keeps at most 15 bytes). Does nothing elsewhere.
    package static func set(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #endif
    }
}
