import Synchronization

// The tasks and cleanups part of the storage.
extension ServiceLifecycleState {
    /// Records a background task. Returns false when the stop has already cancelled the tasks of this
    /// cycle: the caller cancels the new task at once (it stays listed until it has ended).
    func addBackgroundTask(id: UInt64, task: Task<Void, Never>) -> Bool {
        state.withLock { state in
            state.backgroundTasks[id] = task
            return !state.machine.refusesTasks
        }
    }

    func removeBackgroundTask(id: UInt64) {
        _ = state.withLock { $0.backgroundTasks.removeValue(forKey: id) }
    }

    /// The live background tasks, oldest first. They stay listed until each has ended (it removes itself),
    /// so a report written while a stop waits for them can name them.
    var backgroundTasks: [(id: UInt64, task: Task<Void, Never>)] {
        state.withLock { state in
            state.backgroundTasks.sorted { $0.key < $1.key }.map { (id: $0.key, task: $0.value) }
        }
    }

    var backgroundTaskIDs: [UInt64] { state.withLock { $0.backgroundTasks.keys.sorted() } }

    func addCleanup(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        state.withLock { $0.cleanups.append((name, body)) }
    }

    func takeCleanups() -> [(name: String, body: @Sendable () async throws -> Void)] {
        state.withLock { state in
            let cleanups = state.cleanups
            state.cleanups.removeAll()
            return cleanups
        }
    }
}
