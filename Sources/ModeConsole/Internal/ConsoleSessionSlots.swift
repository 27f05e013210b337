/// Who may hold a console session: at most `maxClients` sessions, of which at most `maxUnauthenticated`
/// have not authenticated yet. A pure state machine; ``DebugConsole`` asks it for every new connection.
///
/// A connection that would exceed either limit while some session is still unauthenticated displaces the
/// oldest unauthenticated session (``Decision/admit(_:evicting:)``) instead of being refused: connections
/// that never authenticate cannot lock a token holder out, and a client that authenticates at once is
/// displaced only after `maxUnauthenticated` newer connections. Only when every session is authenticated
/// is a newcomer refused (``Decision/reject``). Without a token every session counts as authenticated.
///
/// Sessions are numbered from 1 in the order they were admitted (``ConsoleSessionInfo/id``).
///
/// ```swift
/// var slots = ConsoleSessionSlots(maxClients: 16, maxUnauthenticated: 4)
/// for _ in 1...4 { _ = slots.admit(authenticated: false) }
/// slots.admit(authenticated: false)   // .admit(5, evicting: 1)
/// slots.authenticate(5)
/// ```
struct ConsoleSessionSlots: Sendable {
    /// What to do with a new connection.
    enum Decision: Equatable, Sendable {
        /// Serve it as session `id`, after closing the session `evicting` if set.
        case admit(Int, evicting: Int?)
        /// Refuse it: every slot is held by an authenticated session.
        case reject
    }

    let maxClients: Int
    let maxUnauthenticated: Int
    private var authenticated: Set<Int> = []
    /// Unauthenticated sessions, oldest first.
    private var unauthenticated: [Int] = []
    private var lastID = 0

    init(maxClients: Int, maxUnauthenticated: Int) {
        self.maxClients = max(1, maxClients)
        self.maxUnauthenticated = max(1, maxUnauthenticated)
    }

    /// Sessions holding a slot.
    var count: Int { authenticated.count + unauthenticated.count }

    /// Sessions holding a slot that have not authenticated.
    var unauthenticatedCount: Int { unauthenticated.count }

    /// A new connection, authenticated from the start when the console has no token.
    mutating func admit(authenticated isAuthenticated: Bool) -> Decision {
        var evicted: Int?
        let overQuota = !isAuthenticated && unauthenticated.count >= maxUnauthenticated
        if (overQuota || count >= maxClients), !unauthenticated.isEmpty {
            evicted = unauthenticated.removeFirst()
        }
        guard count < maxClients else { return .reject }
        lastID += 1
        let id = lastID
        if isAuthenticated {
            authenticated.insert(id)
        } else {
            unauthenticated.append(id)
        }
        return .admit(id, evicting: evicted)
    }

    /// Session `id` has authenticated: it no longer counts against the unauthenticated quota.
    mutating func authenticate(_ id: Int) {
        guard let index = unauthenticated.firstIndex(of: id) else { return }
        unauthenticated.remove(at: index)
        authenticated.insert(id)
    }

    /// Session `id` has closed (or was evicted): its slot is free.
    mutating func release(_ id: Int) {
        authenticated.remove(id)
        unauthenticated.removeAll { $0 == id }
    }
}
