import CModeBenchSupport

/// Bytes of heap in use right now (glibc `mallinfo2`: arena + mmapped bytes handed out).
///
/// ```swift
/// let before = HeapUsage.bytesInUse()
/// ```
public enum HeapUsage {
    /// Bytes currently allocated through malloc (0 where glibc's `mallinfo2` is missing).
    public static func bytesInUse() -> Int { Int(c_mode_bench_heap_bytes()) }
}
