import Testing

@testable import ModeConsole

/// Who gets a console session: the client limit and the unauthenticated quota.
@Suite("Console session slots")
struct ConsoleSessionSlotsTests {
    @Test func withoutATokenTheLimitRejectsAndAClosedSessionFreesItsSlot() {
        var slots = ConsoleSessionSlots(maxClients: 2, maxUnauthenticated: 1)
        #expect(slots.admit(authenticated: true) == .admit(1, evicting: nil))
        #expect(slots.admit(authenticated: true) == .admit(2, evicting: nil))
        #expect(slots.admit(authenticated: true) == .reject)
        slots.release(1)
        #expect(slots.count == 1)
        #expect(slots.admit(authenticated: true) == .admit(3, evicting: nil))
    }

    @Test func connectionsThatNeverAuthenticateDisplaceEachOtherOldestFirst() {
        var slots = ConsoleSessionSlots(maxClients: 16, maxUnauthenticated: 4)
        for id in 1...4 { #expect(slots.admit(authenticated: false) == .admit(id, evicting: nil)) }
        #expect(slots.admit(authenticated: false) == .admit(5, evicting: 1))
        #expect(slots.admit(authenticated: false) == .admit(6, evicting: 2))
        #expect(slots.unauthenticatedCount == 4)
        slots.authenticate(6)  // the token holder
        #expect(slots.unauthenticatedCount == 3)
        for _ in 0..<100 { _ = slots.admit(authenticated: false) }
        #expect(slots.count == 5)  // 4 unauthenticated + the token holder, never displaced once authenticated
    }

    @Test func aFullConsoleDisplacesAnUnauthenticatedSessionRatherThanRefuse() {
        var slots = ConsoleSessionSlots(maxClients: 3, maxUnauthenticated: 2)
        for _ in 1...3 {
            guard case .admit(let id, nil) = slots.admit(authenticated: false) else {
                Issue.record("expected admission")
                return
            }
            if id < 3 { slots.authenticate(id) }
        }
        #expect(slots.admit(authenticated: false) == .admit(4, evicting: 3))
        slots.authenticate(4)
        #expect(slots.admit(authenticated: false) == .reject)  // every slot is authenticated now
    }
}
