extension Service {
    /// Adds `service` as a child (mode's `add_dependency`). It starts with this service (after the
    /// children added before it) and stops before it. Does not start it.
    ///
    /// ```swift
    /// func onFirstStart() async throws { try addDependency(Webserver()) }
    /// ```
    ///
    /// - Throws: ``ServiceError/Code/dependencyCycle`` when `service` is this service or one of its ancestors.
    @discardableResult
    public func addDependency<S: Service>(_ service: S) throws -> S {
        try attachChild(service)
        return service
    }

    private func attachChild(_ service: any Service) throws {
        if isSelfOrAncestor(service) {
            throw ServiceError(
                code: .dependencyCycle,
                message: "adding \(service.label) under \(path) would make the service tree a cycle"
            )
        }
        if let oldParent = service.lifecycle.parent, oldParent !== self {
            _ = oldParent.lifecycle.removeChild(service)
        }
        if lifecycle.appendChild(service) {
            service.lifecycle.setParent(self)
        }
    }

    /// Whether `service` is this service or one of its ancestors (walks the parents without building
    /// ``ancestry``: no array per added child, whatever the depth).
    private func isSelfOrAncestor(_ service: any Service) -> Bool {
        if service === self { return true }
        var node = lifecycle.parent
        var depth = 1
        while let current = node, depth < Self.maximumDepth {
            if current === service { return true }
            node = current.lifecycle.parent
            depth += 1
        }
        return false
    }

    /// Adds a child and, when this service is already running, starts it at once (mode's
    /// `add_runtime_dependency`).
    ///
    /// ```swift
    /// func onStart() async throws { try await addRuntimeDependency(cache) }
    /// ```
    ///
    /// During this service's stop (or after it), the child is added but not started: it starts with this
    /// service's next start.
    @discardableResult
    public func addRuntimeDependency<S: Service>(_ service: S) async throws -> S {
        try attachChild(service)
        let machine = lifecycle.machine
        if machine.phase == .starting || machine.phase == .running, !machine.shouldStop {
            try await service.maybeStart()
        }
        return service
    }

    /// Stops `service` and removes it from the children (mode's `remove_dependency`).
    ///
    /// ```swift
    /// await removeDependency(oldConsumer)
    /// ```
    ///
    /// During the child's start, the stop waits for that start to return (it returns early), then stops
    /// the child; the child ends shut down and detached.
    public func removeDependency(_ service: any Service) async {
        repeat {
            await service.stop()
        } while service.lifecycle.transition({ $0.remove() }) == .stopFirst
        if lifecycle.removeChild(service) {
            service.lifecycle.setParent(nil)
        }
    }
}
