@testable import ModeCore
import Testing

/// The lifecycle machine on its own: every transition and the outcome of every invalid event.
@Suite("Lifecycle machine")
struct LifecycleMachineTests {
    typealias Machine = LifecycleMachine

    /// A machine driven to `phase` through valid events.
    static func machine(at phase: Machine.Phase) -> Machine {
        var machine = Machine()
        switch phase {
        case .initial:
            break
        case .starting:
            _ = machine.start()
        case .running:
            _ = machine.start()
            machine.startFinished()
        case .stopping(let step):
            _ = machine.start()
            machine.startFinished()
            _ = machine.requestStop()
            if step != .onStop { machine.advance(to: step) }
        case .shutdown:
            _ = machine.start()
            machine.startFinished()
            _ = machine.requestStop()
            machine.stopFinished()
        }
        #expect(machine.phase == phase)
        return machine
    }

    static let allPhases: [Machine.Phase] =
        [.initial, .starting, .running, .shutdown]
        + [.onStop, .children, .shutdownSignal, .tasks, .cleanups, .onShutdown].map { .stopping($0) }

    @Test("a full cycle: start, started, stop through every step, shutdown")
    func fullCycle() {
        var machine = Machine()
        #expect(machine.serviceState == .initial)
        let r1 = machine.start()
        #expect(r1 == .run(firstStart: true))
        #expect(machine.phase == .starting && machine.serviceState == .running)
        let r2 = machine.startFinished()
        #expect(r2)
        #expect(machine.phase == .running && !machine.shouldStop)
        let r3 = machine.requestStop()
        #expect(r3 == .run)
        #expect(machine.phase == .stopping(.onStop) && machine.shouldStop && machine.serviceState == .stopping)
        for step in [Machine.StopStep.children, .shutdownSignal, .tasks, .cleanups, .onShutdown] {
            let r4 = machine.advance(to: step)
            #expect(r4)
            #expect(machine.phase == .stopping(step))
        }
        #expect(machine.refusesTasks)
        let r5 = machine.stopFinished()
        #expect(r5)
        #expect(machine.phase == .shutdown && machine.serviceState == .shutdown)
    }

    @Test("start is accepted only from init; every other phase rejects it and changes nothing")
    func startFromEveryPhase() {
        for phase in Self.allPhases {
            var machine = Self.machine(at: phase)
            let action = machine.start()
            if phase == .initial {
                #expect(action == .run(firstStart: true))
            } else {
                #expect(action == .reject, "start in \(phase)")
                #expect(machine.phase == phase)
            }
        }
    }

    @Test("startFinished and startFailed are valid only while starting")
    func startOutcomesOutsideStarting() {
        for phase in Self.allPhases where phase != .starting {
            var machine = Self.machine(at: phase)
            let r6 = machine.startFinished()
            #expect(!r6, "startFinished in \(phase)")
            let r7 = machine.startFailed()
            #expect(!r7, "startFailed in \(phase)")
            #expect(machine.phase == phase)
        }
        var failing = Self.machine(at: .starting)
        let r8 = failing.startFailed()
        #expect(r8)
        #expect(failing.phase == .stopping(.children) && failing.shouldStop)
    }

    @Test("stop requested in each phase: run, wait for the start, wait for the stop in flight, or return")
    func stopFromEveryPhase() {
        for phase in Self.allPhases {
            var machine = Self.machine(at: phase)
            let action = machine.requestStop()
            switch phase {
            case .initial, .running:
                #expect(action == .run)
                #expect(machine.phase == .stopping(.onStop))
            case .starting:
                #expect(action == .waitForStart(cycle: 0))
                #expect(machine.phase == .starting && machine.shouldStop && machine.serviceState == .stopping)
            case .stopping:
                #expect(action == .waitForCompletion(cycle: 0))
                #expect(machine.phase == phase)
            case .shutdown:
                #expect(action == .alreadyStopped)
            }
        }
    }

    @Test("a stop requested during the start runs once the start has settled")
    func stopAfterStartSettles() {
        var machine = Self.machine(at: .starting)
        let r9 = machine.requestStop()
        #expect(r9 == .waitForStart(cycle: 0))
        let r10 = machine.startFinished()
        #expect(r10)
        #expect(machine.serviceState == .stopping)
        let r11 = machine.requestStop()
        #expect(r11 == .run)
        let r12 = machine.requestStop()
        #expect(r12 == .waitForCompletion(cycle: 0))
    }

    @Test("stop steps only move forward; outside a stop they are refused")
    func advanceIsForwardOnly() {
        var machine = Self.machine(at: .stopping(.tasks))
        let r13 = machine.advance(to: .children)
        #expect(!r13)
        let r14 = machine.advance(to: .tasks)
        #expect(!r14)
        #expect(machine.phase == .stopping(.tasks))
        let r15 = machine.advance(to: .onShutdown)
        #expect(r15)
        for phase in [Machine.Phase.initial, .starting, .running, .shutdown] {
            var other = Self.machine(at: phase)
            let r16 = other.advance(to: .onShutdown)
            #expect(!r16, "advance in \(phase)")
            #expect(other.phase == phase)
        }
    }

    @Test("stopFinished outside a stop changes nothing")
    func stopFinishedOutsideStop() {
        for phase in [Machine.Phase.initial, .starting, .running, .shutdown] {
            var machine = Self.machine(at: phase)
            let r17 = machine.stopFinished()
            #expect(!r17)
            #expect(machine.phase == phase)
        }
    }

    @Test("tasks spawned after the tasks step are refused")
    func refusesTasks() {
        for phase in Self.allPhases {
            let machine = Self.machine(at: phase)
            let expected: Bool
            switch phase {
            case .stopping(let step): expected = step > .tasks
            case .shutdown: expected = true
            default: expected = false
            }
            #expect(machine.refusesTasks == expected, "refusesTasks in \(phase)")
        }
    }

    @Test("a crash in any phase keeps the phase, sets shouldStop, and the first reason wins")
    func crashInEveryPhase() {
        for phase in Self.allPhases {
            var machine = Self.machine(at: phase)
            let r18 = machine.crashed(reason: Boom(what: "first"), origin: "A")
            #expect(r18)
            let r19 = machine.crashed(reason: Boom(what: "second"), origin: "B")
            #expect(!r19)
            #expect(machine.phase == phase)
            #expect(machine.shouldStop && machine.serviceState == .crashed)
            #expect((machine.crash?.reason as? Boom)?.what == "first" && machine.crash?.origin == "A")
        }
    }

    @Test("reset: accepted after a stop (or before any start), stale for an old cycle, busy otherwise")
    func resetFromEveryPhase() {
        for phase in Self.allPhases {
            var machine = Self.machine(at: phase)
            _ = machine.crashed(reason: Boom(), origin: "S")
            machine.signalShutdown()
            let action = machine.reset(cycle: 0)
            switch phase {
            case .initial, .shutdown:
                #expect(action == .reset)
                #expect(machine.phase == .initial && machine.restartCount == 1)
                #expect(!machine.shouldStop && !machine.isCrashed && !machine.shutdownSignalled)
                let r20 = machine.start()
                #expect(r20 == .run(firstStart: false))
            default:
                #expect(action == .busy, "reset in \(phase)")
                #expect(machine.phase == phase && machine.restartCount == 0 && machine.isCrashed)
            }
        }
        var machine = Self.machine(at: .shutdown)
        let r21 = machine.reset(cycle: 0)
        #expect(r21 == .reset)
        let r22 = machine.reset(cycle: 0)
        #expect(r22 == .stale)
        #expect(machine.restartCount == 1)
        let r23 = machine.reset(cycle: nil)
        #expect(r23 == .reset)
        #expect(machine.restartCount == 2)
    }

    @Test("two restarts of one cycle: the second is stale, so the service starts once")
    func concurrentRestartsStartOnce() {
        var machine = Self.machine(at: .running)
        let first = machine.restartCount
        let second = machine.restartCount
        let r24 = machine.requestStop()
        #expect(r24 == .run)
        let r25 = machine.requestStop()
        #expect(r25 == .waitForCompletion(cycle: 0))
        machine.stopFinished()
        let r26 = machine.reset(cycle: first)
        #expect(r26 == .reset)
        let r27 = machine.start()
        #expect(r27 == .run(firstStart: false))
        let r28 = machine.reset(cycle: second)
        #expect(r28 == .stale)
        #expect(machine.phase == .starting)
    }

    @Test("a stop of a never-started service runs; a start after it is rejected until a reset")
    func stopBeforeStart() {
        var machine = Machine()
        let r29 = machine.requestStop()
        #expect(r29 == .run)
        machine.stopFinished()
        #expect(machine.serviceState == .shutdown)
        let r30 = machine.start()
        #expect(r30 == .reject)
        let r31 = machine.reset(cycle: 0)
        #expect(r31 == .reset)
        let r32 = machine.start()
        #expect(r32 == .run(firstStart: false))
    }

    @Test("remove: detach when stopped or never started, stop first otherwise")
    func removeFromEveryPhase() {
        for phase in Self.allPhases {
            let machine = Self.machine(at: phase)
            let expected: Machine.RemoveAction = (phase == .initial || phase == .shutdown) ? .detach : .stopFirst
            #expect(machine.remove() == expected, "remove in \(phase)")
        }
    }

    @Test("setShutdown is recorded in any phase and cleared by a reset")
    func shutdownSignal() {
        var machine = Self.machine(at: .stopping(.shutdownSignal))
        #expect(!machine.shutdownSignalled)
        machine.signalShutdown()
        #expect(machine.shutdownSignalled)
        machine.advance(to: .tasks)
        machine.stopFinished()
        _ = machine.reset(cycle: nil)
        #expect(!machine.shutdownSignalled)
    }

    @Test("reset under an ancestor that is stopping leaves the service stopped")
    func resetUnderStoppingAncestor() {
        var machine = Self.machine(at: .shutdown)
        let refused = machine.reset(cycle: 0, ancestorStopping: true)
        #expect(refused == .ancestorStopping)
        #expect(machine.phase == .shutdown && machine.restartCount == 0)
        // Staleness and busyness are reported first: they do not depend on the ancestors.
        var running = Self.machine(at: .running)
        let busy = running.reset(cycle: 0, ancestorStopping: true)
        #expect(busy == .busy)
        let stale = machine.reset(cycle: 5, ancestorStopping: true)
        #expect(stale == .stale)
    }

    @Test("a stop asked from inside the start in flight is deferred to that start; from another task it waits")
    func stopFromInsideStart() {
        var machine = Machine()
        let started = machine.start(task: 7)
        #expect(started == .run(firstStart: true))
        let outside = machine.requestStop(task: 8)
        #expect(outside == .waitForStart(cycle: 0))
        #expect(!machine.stopDeferredToStart)
        let inside = machine.requestStop(task: 7)
        #expect(inside == .deferredToStart)
        #expect(machine.stopDeferredToStart && machine.serviceState == .stopping)
        machine.startFinished()
        #expect(machine.startingTask == nil)
        let run = machine.requestStop(task: 7)
        #expect(run == .run)
        #expect(!machine.stopDeferredToStart)
    }
}
