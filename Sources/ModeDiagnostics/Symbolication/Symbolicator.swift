import CModeSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns ``RawStack`` addresses into ``StackFrame``s: demangled names, file:line:column and inlined frames
/// (read from the images' ELF symbol tables and DWARF debug info by swift-mode's own reader), and
/// `module+offset` for every frame.
///
/// Every symbolication runs on the symbolicator's own thread (`mode-symbols`), one at a time, so each image's
/// indexes (its sorted symbols, its compilation units' ranges) are built once and shared by all callers;
/// ``warmUp()`` builds them in the background. Each address is symbolicated once: its frames are cached (up to
/// ``cacheLimit`` addresses) until ``refreshImages()``. The module table is captured once; call
/// ``refreshImages()`` after `dlopen`. Not async-signal-safe: never call it in a signal handler.
///
/// ```swift
/// let frames = Symbolicator.shared.symbolicate(try StackCapture.capture(threadID: tid))
/// print(frames.map { $0.render() }.joined(separator: "\n"))
/// ```
public final class Symbolicator: Sendable {
    /// The process-wide symbolicator.
    public static let shared = Symbolicator()

    /// How many addresses' frames are kept; past it the cache starts afresh.
    public static let cacheLimit = 16_384

    /// What a cached address was looked up as.
    enum AddressKind: Hashable {
        case programCounter, returnAddress, asyncResumePoint
    }

    struct CacheKey: Hashable {
        var address: UInt
        var kind: AddressKind
    }

    /// What one address symbolicated to.
    struct Resolved: Sendable {
        /// The frames of the address (inlined frames first, the physical frame last), `index` left at 0.
        var frames: [StackFrame]
        /// The mangled name of the first frame, to recognise async continuations.
        var mangledName: String?
    }

    struct Storage {
        var modulesCaptured = false
        var frames: [CacheKey: Resolved] = [:]
        var hits = 0
        var misses = 0
    }

    // Only the symbolication thread touches the storage while symbolicating; the lock covers refreshes and reads
    // of the counters from other threads.
    private let storage: Mutex<Storage>
    private let thread: SymbolicationThread
    // Used on the symbolication thread only; the lock is never contended.
    private let images = Mutex(ImageSymbolicator())

    /// Creates a symbolicator; the image map is captured on first use.
    ///
    /// ```swift
    /// let symbolicator = Symbolicator()
    /// ```
    public init() {
        storage = Mutex(Storage())
        thread = SymbolicationThread()
    }

    /// Re-reads the list of loaded images (after `dlopen`), for both symbolication and crash reports, and
    /// forgets the cached frames (an unloaded image's addresses may be reused).
    ///
    /// ```swift
    /// _ = dlopen("libplugin.so", RTLD_NOW); Symbolicator.shared.refreshImages()
    /// ```
    public func refreshImages() {
        _ = c_mode_modules_refresh()
        storage.withLock {
            $0.modulesCaptured = true
            $0.frames.removeAll()
        }
    }

    /// Loads the module table and indexes the images of the code that runs now, on the symbolication thread, without
    /// waiting: the first report then finds the caches warm. Call it at start-up (the stall watchdog does).
    ///
    /// ```swift
    /// Symbolicator.shared.warmUp()
    /// ```
    public func warmUp() {
        let stack = StackCapture.captureCurrentThread()
        thread.submit { [self] in _ = symbolicateOnThread(stack) }
    }

    /// Symbolicates `stack` (waiting for the symbolication thread). Frames that resolve to no symbol keep their
    /// address and `module+offset`; for those a `dladdr` lookup supplies the nearest exported symbol.
    ///
    /// ```swift
    /// let frames = Symbolicator.shared.symbolicate(StackCapture.captureCurrentThread())
    /// ```
    public func symbolicate(_ stack: RawStack) -> [StackFrame] {
        if stack.addresses.isEmpty { return [] }
        return thread.sync { [self] in symbolicateOnThread(stack) }
    }

    /// Runs `body` on the symbolication thread after the work queued before it, without waiting. Work queued
    /// this way is served in order (the stall watchdog logs a stall's end after its report this way).
    package func submit(_ body: @escaping @Sendable () -> Void) {
        thread.submit(body)
    }

    /// Waits until the work queued on the symbolication thread before this call (the warm-up, reports being
    /// built) has run. For measurements and tests that must not count the warm-up.
    package func waitUntilIdle() {
        thread.sync {}
    }

    /// Work queued on the symbolication thread and not started yet.
    package var pendingWork: Int { thread.pending }

    /// Cache figures: addresses kept, lookups answered from the cache, lookups symbolicated.
    package var cacheStatistics: (addresses: Int, hits: Int, misses: Int) {
        storage.withLock { ($0.frames.count, $0.hits, $0.misses) }
    }

    /// Captures the module table now unless it was (waiting for the symbolication thread): checked reads that
    /// accept only code addresses inside a loaded module (async-stack reads) need it.
    package func prepareModules() {
        thread.sync { [self] in captureModulesOnce() }
    }

    /// Reads the module table on first use (not at init: a symbolicator nobody uses costs nothing).
    private func captureModulesOnce() {
        storage.withLock { storage in
            if storage.modulesCaptured { return }
            _ = c_mode_modules_refresh()
            storage.modulesCaptured = true
        }
    }

    private func symbolicateOnThread(_ stack: RawStack) -> [StackFrame] {
        captureModulesOnce()
        var frames = physicalFrames(stack)
        if let after = stack.asyncCallersFollowFrame, !stack.asyncCallers.isEmpty {
            // The context was found at frame `after` (often a synchronous callee that saved the async
            // context register); the callers belong where the task's native frames end: before the first
            // concurrency-runtime frame (swift_job_run and friends) below it.
            let start = frames.lastIndex { $0.index == after }.map { $0 + 1 } ?? frames.count
            let position =
                frames[start...].firstIndex {
                    $0.module?.hasPrefix("libswift_Concurrency") == true
                        || $0.symbol?.contains("runJobInEstablishedExecutorContext") == true
                } ?? start
            let index = position > 0 ? frames[position - 1].index : 0
            frames.insert(contentsOf: symbolicateAsync(stack.asyncCallers, after: index), at: position)
        }
        return frames
    }

    /// The frames of each key, from the cache or, for the keys not cached yet, from one lookup of those
    /// addresses (each looked up once however often it occurs). `nil` entries: the address lies in no image or
    /// resolves to no symbol (not cached).
    private func frames(for keys: [CacheKey]) -> [Resolved?] {
        var known = storage.withLock { storage -> [CacheKey: Resolved] in
            var known: [CacheKey: Resolved] = [:]
            for key in keys where known[key] == nil {
                if let frames = storage.frames[key] { known[key] = frames }
            }
            return known
        }
        var missing: [CacheKey] = []
        var seen = Set(known.keys)
        for key in keys where seen.insert(key).inserted { missing.append(key) }
        if !missing.isEmpty {
            let resolved = lookUp(missing)
            storage.withLock { storage in
                if storage.frames.count + resolved.count > Self.cacheLimit { storage.frames.removeAll() }
                for (key, frames) in resolved { storage.frames[key] = frames }
                storage.misses += missing.count
                storage.hits += keys.count - missing.count
            }
            known.merge(resolved) { old, _ in old }
        } else {
            storage.withLock { $0.hits += keys.count }
        }
        return keys.map { known[$0] }
    }

    /// Distinct addresses looked up in the images (see ``ImageSymbolicator``).
    private func lookUp(_ keys: [CacheKey]) -> [CacheKey: Resolved] {
        images.withLock { images in
            var result: [CacheKey: Resolved] = [:]
            for key in keys {
                if let resolved = images.frames(address: UInt64(key.address), kind: key.kind) { result[key] = resolved }
            }
            return result
        }
    }

    /// Async continuation addresses, kept only when the first one is a Swift async continuation (a
    /// "resume partial function"), which rejects a chain read from a stray pointer.
    private func symbolicateAsync(_ addresses: [UInt], after: Int) -> [StackFrame] {
        let keys = addresses.map { CacheKey(address: $0, kind: .asyncResumePoint) }
        let looked = frames(for: keys)
        guard let firstRaw = looked.first??.mangledName, Self.isAsyncContinuation(mangled: firstRaw) else {
            return []
        }
        return zip(addresses, looked).map { address, resolved in
            var frame = resolved?.frames.last ?? Self.fallbackFrame(index: after, address: address)
            frame.index = after
            frame.isAsync = true
            return frame
        }
    }

    /// Symbolicates the continuation addresses of a suspended task's async chain (innermost first): each is
    /// looked up as it is (a resume point, not a return address), without inlined frames, and named after the
    /// function it continues (`poll()`, not `(1) await resume partial function for poll()`). Frame `i` has
    /// index `i` and is marked `[async]`.
    ///
    /// ```swift
    /// let frames = Symbolicator.shared.symbolicateAsyncStack(stack.continuations)
    /// ```
    package func symbolicateAsyncStack(_ continuations: [UInt]) -> [StackFrame] {
        if continuations.isEmpty { return [] }
        return thread.sync { [self] in
            captureModulesOnce()
            let keys = continuations.map { CacheKey(address: $0, kind: .asyncResumePoint) }
            return zip(continuations, frames(for: keys)).enumerated().map { index, pair in
                var frame = pair.1?.frames.last ?? Self.fallbackFrame(index: index, address: pair.0)
                frame.index = index
                frame.isAsync = true
                frame.symbol = frame.symbol.map(Self.continuedFunction)
                return frame
            }
        }
    }

    /// The function an async continuation belongs to: the name without a demangler's
    /// `(N) await resume partial function for ` / `suspend resume partial function for ` prefix.
    static func continuedFunction(_ name: String) -> String {
        guard let match = name.firstMatch(of: #/^(\([0-9]+\) )?(await|suspend) resume partial function for /#) else {
            return name
        }
        return String(name[match.range.upperBound...])
    }

    /// Swift mangles async continuations ("await resume partial function", "suspend resume partial function")
    /// with a `TQ<n>_` / `TY<n>_` suffix.
    static func isAsyncContinuation(mangled: String) -> Bool {
        mangled.hasPrefix("$s") && mangled.wholeMatch(of: /.*T[QY][0-9]*_/) != nil
    }

    private func physicalFrames(_ stack: RawStack) -> [StackFrame] {
        let keys = stack.addresses.enumerated().map { index, address in
            CacheKey(address: address, kind: index == 0 && stack.firstFrameIsExactPC ? .programCounter : .returnAddress)
        }
        let resolved = frames(for: keys)
        var frames: [StackFrame] = []
        for (index, looked) in resolved.enumerated() {
            guard let looked else {
                // An address no image resolves is still reported raw.
                frames.append(Self.fallbackFrame(index: index, address: stack.addresses[index]))
                continue
            }
            for var frame in looked.frames {
                frame.index = index
                frames.append(frame)
            }
        }
        return frames
    }

    /// module+offset from the precomputed module table, plus a `dladdr` name when asked.
    static func fallbackFrame(index: Int, address: UInt, lookUpSymbol: Bool = true) -> StackFrame {
        var frame = StackFrame(index: index, address: address)
        var bias: UInt = 0
        var path: UnsafePointer<CChar>? = nil
        if c_mode_modules_lookup(address, &bias, &path) != 0, let path {
            frame.module = String(cString: c_mode_basename(path))
            frame.moduleOffset = address &- bias
        }
        if lookUpSymbol {
            if let name = c_mode_dladdr_symbol(address) { frame.symbol = demangle(String(cString: name)) }
        }
        return frame
    }
}
