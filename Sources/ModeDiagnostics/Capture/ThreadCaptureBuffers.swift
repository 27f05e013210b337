import CModeSupport

/// What the C side writes for one capture of another thread (by signal or without one): the native frames, the
/// async callers, and their counts. Owns its buffers; they are freed with it.
struct ThreadCaptureBuffers: ~Copyable {
    static let capacity = Int(C_MODE_MAX_FRAMES)

    let frames = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
    let asyncFrames = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
    var count: Int32 = 0
    var unwinder: Int32 = 0
    var asyncCount: Int32 = 0
    var asyncAfter: Int32 = -1

    deinit {
        frames.deallocate()
        asyncFrames.deallocate()
    }

    /// The native frames written, innermost first.
    var addresses: [UInt] { Array(UnsafeBufferPointer(start: frames, count: Int(max(0, count)))) }

    /// Adds the async callers written, if any, to `stack`.
    func attachAsyncCallers(to stack: inout RawStack) {
        guard asyncCount > 0 && asyncAfter >= 0 else { return }
        stack.asyncCallers = Array(UnsafeBufferPointer(start: asyncFrames, count: Int(asyncCount)))
        stack.asyncCallersFollowFrame = Int(asyncAfter)
    }
}
