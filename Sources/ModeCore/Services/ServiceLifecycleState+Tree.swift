import Logging
import Synchronization

// The tree part of the storage: parent, children, supervisor, executor, logger and path caches.
extension ServiceLifecycleState {
    var children: [any Service] { state.withLock { $0.children } }
    var parent: (any Service)? { state.withLock { $0.parent } }
    var supervisor: (any ServiceSupervising)? { state.withLock { $0.supervisor } }
    var labelOverride: String? { state.withLock { $0.labelOverride } }

    /// Moves this service under `parent` (or detaches it): it and its descendants forget what they derived
    /// from their old place (loggers, paths, the tree). One lock per service, and no array for a service
    /// without children.
    func setParent(_ parent: (any Service)?) {
        state.withLock { state in
            state.parent = parent
            Self.forgetPlace(&state)
        }
        updateDescendants(Self.forgetPlace)
    }

    private static func forgetPlace(_ state: inout State) {
        state.forgetLoggers()
        state.cachedPath = nil
        state.tree = nil
    }

    /// Applies `update` to the storage of every descendant, each under its own lock (iteratively: a chain can
    /// be ``Service/maximumDepth`` deep).
    private func updateDescendants(_ update: (inout State) -> Void) {
        var pending = children
        while let next = pending.popLast() {
            pending.append(contentsOf: next.lifecycle.state.withLock { state in
                update(&state)
                return state.children
            })
        }
    }

    /// The tree this service belongs to: its root's ``ServiceTree`` (the task registry and the event
    /// observers every service of the tree shares). A service without a parent is a root and creates its own.
    ///
    /// ```swift
    /// let live = app.lifecycle.tree.tasks.liveTasks()
    /// ```
    public var tree: ServiceTree {
        // The parent (a weak reference) is loaded only on the first call: the tree is cached after it.
        let (cached, parent) = state.withLock { state -> (ServiceTree?, (any Service)?) in
            if let tree = state.tree { return (tree, nil) }
            return (nil, state.parent)
        }
        if let cached { return cached }
        let resolved = parent?.lifecycle.tree ?? ServiceTree()
        return state.withLock { state in
            if let tree = state.tree { return tree }
            state.tree = resolved
            return resolved
        }
    }

    var cachedPath: String? { state.withLock { $0.cachedPath } }

    func storeCachedPath(_ path: String) {
        state.withLock { $0.cachedPath = path }
    }

    func appendChild(_ child: any Service) -> Bool {
        let childState = child.lifecycle
        return state.withLock { state in
            if !state.childIDs.insert(ObjectIdentifier(child)).inserted { return false }
            state.children.append(child)
            state.childStates.append(childState)
            return true
        }
    }

    func removeChild(_ child: any Service) -> Bool {
        state.withLock { state in
            guard state.childIDs.remove(ObjectIdentifier(child)) != nil,
                let index = state.children.firstIndex(where: { $0 === child })
            else { return false }
            state.children.remove(at: index)
            state.childStates.remove(at: index)
            return true
        }
    }

    /// Sets (or clears) the supervisor that owns this service: its crashes go to the supervisor instead of
    /// crashing the whole tree.
    package func setSupervisor(_ supervisor: (any ServiceSupervising)?) {
        state.withLock { $0.supervisor = supervisor }
    }

    /// Sets the task executor this service's tasks (and its descendants', unless they set their own) prefer.
    /// The Worker sets its instrumented executor on the root.
    package func setTaskExecutor(_ executor: (any TaskExecutor)?) {
        state.withLock { $0.taskExecutor = executor }
    }

    var ownTaskExecutor: (any TaskExecutor)? { state.withLock { $0.taskExecutor } }

    /// Replaces the base logger of this service (descendants without their own logger inherit it).
    public func setLogger(_ logger: Logger?) {
        state.withLock { state in
            state.baseLogger = logger
            state.forgetLoggers()
        }
        // Descendants derive their loggers from this one: forget theirs too.
        updateDescendants { $0.forgetLoggers() }
    }

    func cachedLogger(path: String) -> Logger? {
        state.withLock { state in
            guard let cached = state.cachedLogger, cached.path == path else { return nil }
            return cached.logger
        }
    }

    /// The own (or remembered inherited) base logger and the parent, in one lock.
    var baseLoggerSources: (own: Logger?, parent: (any Service)?) {
        state.withLock { ($0.baseLogger ?? $0.inheritedLogger, $0.parent) }
    }

    /// Whether a record at `level` passes this service's logger, judged from the cached logger or the base
    /// logger it derives from, read in place (one lock, no logger copied: the level is the handler's, which
    /// can change at run time, so it is read every time); `nil` when neither is known yet.
    func loggerPasses(_ level: Logger.Level) -> Bool? {
        state.withLock { state in
            Self.heldLevel(&state).map { level >= $0 }
        }
    }

    /// The start's level check of its own lines, in one lock: ``loggerPasses(_:)``, except that a service its
    /// parent is starting and that holds no logger yet remembers `parentLogger` (the logger the parent holds,
    /// which is what it would inherit) and judges by it, without loading its (weakly held) parent. With
    /// `checkingStop` (a first start, after `onFirstStart`) it also says whether the start should end there
    /// (a stop was requested or the service crashed; `cancelled` is the task's cancellation, read by the
    /// caller).
    func startLinesCheck(
        _ level: Logger.Level, inheriting parentLogger: Logger?, checkingStop: Bool, cancelled: Bool
    ) -> (stop: Bool, passes: Bool?) {
        state.withLock { state in
            if checkingStop && (cancelled || state.machine.shouldStop) { return (true, nil) }
            if let held = Self.heldLevel(&state) { return (false, level >= held) }
            guard let parentLogger else { return (false, nil) }
            state.inheritedLogger = parentLogger
            return (false, level >= parentLogger.logLevel)
        }
    }

    /// The level of the logger this service holds, read in place without copying the logger; `nil` when it
    /// holds none. Its own base logger, else the one it inherited, else its cached logger: all three have the
    /// same level when set (the cached logger is the base one with `mode.service` metadata added, same handler),
    /// and the cached one, read least often, lies outside the part of the storage every start and stop touches.
    static func heldLevel(_ state: inout State) -> Logger.Level? {
        if state.baseLogger != nil { return state.baseLogger?.logLevel }
        if state.inheritedLogger != nil { return state.inheritedLogger?.logLevel }
        return state.cachedLogger?.logger.logLevel
    }

    /// A logger this service already holds, to derive a child's from: its cached logger, else its own base
    /// logger, else the one it inherited (one lock; `nil` when it holds none yet).
    var heldLogger: Logger? {
        state.withLock { Self.held(&$0) }
    }

    static func held(_ state: inout State) -> Logger? {
        state.cachedLogger?.logger ?? state.baseLogger ?? state.inheritedLogger
    }

    /// Remembers the logger this service inherits (its parent's), so the next level check is one lock.
    func storeInheritedLogger(_ logger: Logger) {
        state.withLock { $0.inheritedLogger = logger }
    }

    func storeCachedLogger(_ logger: Logger, path: String) {
        state.withLock { $0.cachedLogger = (path, logger) }
    }
}
