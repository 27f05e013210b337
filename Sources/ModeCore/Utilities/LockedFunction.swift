import Synchronization

/// A function (an observer, a hook) that one thread sets and many threads read, behind a lock.
///
/// Never store a function directly as the value of a generic lock (`Mutex<(@Sendable (Event) -> Void)?>`):
/// `withLock { $0 }` hands the closure an `inout` of the generic value, and Swift converts the function
/// between its generic and its concrete representation in both directions, writing the re-wrapped closure
/// back. Each read therefore stores one more pair of reabstraction thunks around the function: every call
/// walks the whole chain and the chain never shrinks. Measured on the Worker, whose lifecycle observer and
/// log write gate were stored that way: 2.1 KB more memory and a slower call per restart (0.5 ms to 89 ms
/// per console `restart` after 11,000). Wrapping the function in a nominal type, as here, keeps the stored
/// value untouched by reads.
///
/// ```swift
/// let observer = LockedFunction<@Sendable (Event) -> Void>()
/// observer.store { event in print(event) }
/// observer.load()?(.started)
/// ```
package final class LockedFunction<Function: Sendable>: Sendable {
    private struct Box: Sendable {
        var function: Function?
    }

    private let storage: Mutex<Box>

    /// Creates the slot, holding `function` (or nothing).
    package init(_ function: Function? = nil) {
        storage = Mutex(Box(function: function))
    }

    /// The function stored now, if any.
    package func load() -> Function? {
        storage.withLock { $0.function }
    }

    /// Replaces the stored function (`nil` removes it).
    package func store(_ function: Function?) {
        storage.withLock { $0.function = function }
    }
}
