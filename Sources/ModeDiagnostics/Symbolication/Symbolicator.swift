import CModeSupport
@_spi(Internal) import Runtime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns ``RawStack`` addresses into ``StackFrame``s: demangled names, file:line:column and inlined frames
/// (through the toolchain's `Runtime` module, SE-0419), and `module+offset` for every frame.
///
/// The image map is captured once and reused; call ``refreshImages()`` after `dlopen`. Symbolication is
/// serialised (Runtime's symbol cache is shared) and not async-signal-safe: never call it in a signal handler.
///
/// ```swift
/// let frames = Symbolicator.shared.symbolicate(try StackCapture.capture(threadID: tid))
/// print(frames.map { $0.render() }.joined(separator: "\n"))
/// ```
public final class Symbolicator: Sendable {
    /// The process-wide symbolicator.
    public static let shared = Symbolicator()

    // Holding the lock during symbolication also serialises Runtime's symbol cache.
    private let images: Mutex<ImageMap?>
    private static let architecture: String = (try? Backtrace.capture(limit: 1).architecture) ?? "x86_64"

    /// Creates a symbolicator; the image map is captured on first use.
    ///
    /// ```swift
    /// let symbolicator = Symbolicator()
    /// ```
    public init() {
        images = Mutex(nil)
    }

    /// Re-reads the list of loaded images (after `dlopen`), for both symbolication and crash reports.
    ///
    /// ```swift
    /// _ = dlopen("libplugin.so", RTLD_NOW); Symbolicator.shared.refreshImages()
    /// ```
    public func refreshImages() {
        let map = ImageMap.capture()
        _ = c_mode_modules_refresh()
        images.withLock { $0 = map }
    }

    /// Symbolicates `stack`. Frames Runtime cannot resolve keep their address and `module+offset`; for those a
    /// `dladdr` lookup supplies the nearest exported symbol.
    ///
    /// ```swift
    /// let frames = Symbolicator.shared.symbolicate(StackCapture.captureCurrentThread())
    /// ```
    public func symbolicate(_ stack: RawStack) -> [StackFrame] {
        if stack.addresses.isEmpty { return [] }
        return images.withLock { map in
            if map == nil {
                map = ImageMap.capture()
                _ = c_mode_modules_refresh()
            }
            var frames = symbolicate(stack, images: map!)
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
                frames.insert(contentsOf: symbolicateAsync(stack.asyncCallers, after: index, images: map!), at: position)
            }
            return frames
        }
    }

    /// Async continuation addresses, kept only when the first one is a Swift async continuation (a
    /// "resume partial function"), which rejects a chain read from a stray pointer.
    private func symbolicateAsync(_ addresses: [UInt], after: Int, images: ImageMap) -> [StackFrame] {
        let rich: [RichFrame<UInt>] = addresses.map { .asyncResumePoint($0) }
        let backtrace = Backtrace(architecture: Self.architecture, frames: rich, images: images)
        guard let symbolicated = backtrace.symbolicated(with: images, options: [.showSourceLocations, .useSymbolCache])
        else { return [] }
        var frames: [StackFrame] = []
        guard let firstRaw = symbolicated.frames.first?.symbol?.rawName, Self.isAsyncContinuation(mangled: firstRaw)
        else { return [] }
        for (address, frame) in zip(addresses, symbolicated.frames) {
            var result = Self.fallbackFrame(index: after, address: address, lookUpSymbol: frame.symbol == nil)
            result.symbol = frame.symbol?.name ?? result.symbol
            if let location = frame.symbol?.sourceLocation {
                result.file = location.path
                result.line = location.line
                result.column = location.column
            }
            result.isAsync = true
            frames.append(result)
        }
        return frames
    }

    /// Swift mangles async continuations ("await resume partial function", "suspend resume partial function")
    /// with a `TQ<n>_` / `TY<n>_` suffix.
    static func isAsyncContinuation(mangled: String) -> Bool {
        mangled.hasPrefix("$s") && mangled.wholeMatch(of: /.*T[QY][0-9]*_/) != nil
    }

    private func symbolicate(_ stack: RawStack, images: ImageMap) -> [StackFrame] {
        let rich: [RichFrame<UInt>] = stack.addresses.enumerated().map { index, address in
            index == 0 && stack.firstFrameIsExactPC ? .programCounter(address) : .returnAddress(address)
        }
        let backtrace = Backtrace(architecture: Self.architecture, frames: rich, images: images)
        guard
            let symbolicated = backtrace.symbolicated(
                with: images, options: [.showInlineFrames, .showSourceLocations, .useSymbolCache])
        else {
            return stack.addresses.enumerated().map { Self.fallbackFrame(index: $0, address: $1) }
        }
        var frames: [StackFrame] = []
        var physicalIndex = 0
        for frame in symbolicated.frames {
            let captured = frame.captured
            guard physicalIndex < stack.addresses.count else { break }
            switch captured {
            case .omittedFrames, .truncated: continue
            default: break
            }
            let address = stack.addresses[physicalIndex]
            var result = Self.fallbackFrame(index: physicalIndex, address: address, lookUpSymbol: frame.symbol == nil)
            if let symbol = frame.symbol {
                result.symbol = symbol.name
                if let location = symbol.sourceLocation {
                    result.file = location.path
                    result.line = location.line
                    result.column = location.column
                }
            }
            result.isInlined = frame.inlined
            result.isAsync = { if case .asyncResumePoint = captured { return true } else { return false } }()
            frames.append(result)
            if !frame.inlined { physicalIndex += 1 }
        }
        // Anything Runtime dropped is still reported raw.
        while physicalIndex < stack.addresses.count {
            frames.append(Self.fallbackFrame(index: physicalIndex, address: stack.addresses[physicalIndex]))
            physicalIndex += 1
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
