import Logging

extension Service {
    /// The service that added this one as a dependency, if any.
    public var parent: (any Service)? { lifecycle.parent }

    /// The children, in insertion order (the order they start in).
    public var children: [any Service] { lifecycle.children }

    /// The root of the tree this service belongs to (itself when it has no parent).
    public var root: any Service {
        var node: any Service = self
        var seen = 0
        while let parent = node.lifecycle.parent, seen < Self.maximumDepth {
            node = parent
            seen += 1
        }
        return node
    }

    /// The nodes from this service up to the root, this service first (mode's `beacon.walk()`).
    public var ancestry: [any Service] {
        var nodes: [any Service] = [self]
        var node: any Service = self
        while let parent = node.lifecycle.parent, nodes.count < Self.maximumDepth {
            nodes.append(parent)
            node = parent
        }
        return nodes
    }

    /// 1 for a root, 2 for its children, and so on (mode's beacon depth).
    public var depth: Int { ancestry.count }

    /// The labels from the root down to this service, joined by `/`: `Worker/AppService/Webserver`.
    ///
    /// Cached, and recomputed after the service (or an ancestor) moves in the tree; a `label` must not
    /// change while the service is in a tree.
    public var path: String {
        if let cached = lifecycle.cachedPath { return cached }
        // The parent's path is normally cached already (a parent logs before its children start): one lookup
        // and one concatenation per service, not a walk to the root. A chain of uncached ancestors is filled
        // in from the top, iteratively (a chain can be `maximumDepth` deep).
        var uncached: [any Service] = [self]
        var anchor: String?
        var node: any Service = self
        while let parent = node.lifecycle.parent, uncached.count < Self.maximumDepth {
            if let cached = parent.lifecycle.cachedPath {
                anchor = cached
                break
            }
            uncached.append(parent)
            node = parent
        }
        var computed = anchor
        for service in uncached.reversed() {
            let next = computed.map { $0 + "/" + service.label } ?? service.label
            service.lifecycle.storeCachedPath(next)
            computed = next
        }
        return computed ?? label
    }

    /// The prefix mode puts on every log line of this service: `[^Worker]`, `[^-AppService]`, `[^--Webserver]`.
    public var logPrefix: String { "[^" + String(repeating: "-", count: depth - 1) + label + "]" }

    /// Every service of this subtree, breadth first, starting with this one.
    public func subtree() -> [any Service] {
        var result: [any Service] = [self]
        var index = 0
        while index < result.count {
            result.append(contentsOf: result[index].lifecycle.children)
            index += 1
        }
        return result
    }

    /// Finds a service of this subtree by its path (`Worker/AppService/Webserver`), or by a path relative to
    /// this service (`AppService/Webserver`).
    public func service(atPath path: String) -> (any Service)? {
        let wanted = path.split(separator: "/").map(String.init)
        guard !wanted.isEmpty else { return nil }
        var components = wanted
        if components.first == label { components.removeFirst() }
        var node: any Service = self
        for component in components {
            guard let next = node.lifecycle.children.first(where: { $0.label == component }) else { return nil }
            node = next
        }
        return node
    }

    /// The service's logger. Its messages carry the service's path in the `mode.service` metadata, which the
    /// Worker's log handler prints as mode does: `[^--Webserver]: Serving on port 8000`.
    ///
    /// ```swift
    /// logger.info("Serving on port \(port)")
    /// ```
    public var logger: Logger {
        let path = self.path
        if let cached = lifecycle.cachedLogger(path: path) { return cached }
        var logger = baseLogger
        logger[metadataKey: "mode.service"] = .string(path)
        lifecycle.storeCachedLogger(logger, path: path)
        return logger
    }

    /// The service's ``logger`` when a record at `level` would pass its level, else `nil` without building it:
    /// the lifecycle's own lines ("Starting...", "-Stopped!") cost no per-service logger (its metadata) when
    /// they would be dropped.
    func logger(ifEnabled level: Logger.Level) -> Logger? {
        logger(judged: lifecycle.loggerPasses(level), level: level)
    }

    /// The service's ``logger`` by a level check already made (`passes`, read with other state in one lock),
    /// or, when `passes` is `nil` (the service held no logger yet), by a first check that remembers the
    /// parent's logger. A parent starting its children passes them the logger it holds instead
    /// (``ServiceLifecycleState/startLinesCheck(_:inheriting:checkingStop:cancelled:)``), so they never load their
    /// (weakly held) parent.
    func logger(judged passes: Bool?, level: Logger.Level) -> Logger? {
        switch passes {
        case false?:
            return nil
        case true?:
            return logger
        case nil:
            // First check: remember the parent's logger, so later checks are one lock and copy nothing.
            let inherited = Self.inheritedLogger(own: nil, parent: lifecycle.parent)
            lifecycle.storeInheritedLogger(inherited)
            return level >= inherited.logLevel ? logger : nil
        }
    }

    /// The logger this service inherits: its own base logger, else its parent's logger (which is its nearest
    /// ancestor's base logger with the parent's `mode.service`, overwritten by ``logger``; cached, so this is
    /// one lookup per service rather than a walk to the root), else `mode`.
    var baseLogger: Logger {
        let (own, parent) = lifecycle.baseLoggerSources
        return Self.inheritedLogger(own: own, parent: parent)
    }

    private static func inheritedLogger(own: Logger?, parent: (any Service)?) -> Logger {
        if let own { return own }
        // Any logger the parent already holds will do as a base (``logger`` overwrites `mode.service`): its
        // own logger, its base or what it inherited. Only a parent that holds none builds its logger.
        if let parent { return parent.lifecycle.heldLogger ?? parent.logger }
        return Logger(label: "mode")
    }

    /// The task executor the service's tasks prefer: its own, else its nearest ancestor's.
    public var taskExecutor: (any TaskExecutor)? {
        for node in ancestry {
            if let executor = node.lifecycle.ownTaskExecutor { return executor }
        }
        return nil
    }

    static var maximumDepth: Int { 10_000 }
}
