import ModeWorker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for the next element of `iterator`, or nil after `seconds` (a deadline, not a timing assertion).
private func next(
    _ stream: AsyncStream<ProcessSignal>, within seconds: Int = 30
) async -> ProcessSignal? {
    await withTaskGroup(of: ProcessSignal?.self) { group in
        group.addTask {
            var iterator = stream.makeAsyncIterator()
            return await iterator.next()
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let result = await group.next() ?? nil
        group.cancelAll()
        return result
    }
}

// One serialized suite for everything that raises real signals at the test process.
@Suite("ProcessSignalMonitor", .serialized)
struct ProcessSignalMonitorTests {
    @Test func deliversARealSIGHUPToTheStream() async {
        let (monitor, events) = ProcessSignalMonitor.makeStream(signals: [.sighup])
        await monitor.start()
        #expect(kill(getpid(), SIGHUP) == 0)
        let received = await next(events)
        monitor.stop()
        #expect(received == .sighup)
    }

    @Test func deliversToAHandlerAndTheProcessSurvivesARepeat() async {
        let (seenStream, seen) = AsyncStream.makeStream(of: ProcessSignal.self)
        let monitor = ProcessSignalMonitor(signals: [.sigusr2]) { seen.yield($0) }
        await monitor.start()
        for _ in 0..<2 {
            #expect(kill(getpid(), SIGUSR2) == 0)
            #expect(await next(seenStream) == .sigusr2)
        }
        monitor.stop()
    }

    @Test func twoMonitorsOfOneSignalBothReceiveIt() async {
        let (first, firstEvents) = ProcessSignalMonitor.makeStream(signals: [.sighup])
        let (second, secondEvents) = ProcessSignalMonitor.makeStream(signals: [.sighup])
        await first.start()
        await second.start()  // must not undo the handler libdispatch installed for `first`
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(await next(firstEvents) == .sighup)
        #expect(await next(secondEvents) == .sighup)
        first.stop()
        second.stop()
    }

    @Test func stopFinishesTheStreamAndKeepsTheSignalHarmless() async {
        let (monitor, events) = ProcessSignalMonitor.makeStream(signals: [.sighup])
        await monitor.start()
        monitor.stop()
        #expect(await next(events) == nil)
        // Still ignored after stop(): the test process must survive this.
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(monitor.signals == [.sighup])
    }

    @Test func sighupReopensTheLogFileAfterRotation() async throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("app.log")
        let sink = try LogSink(path: path)
        let (monitor, events) = ProcessSignalMonitor.makeStream(signals: [.sighup])
        await monitor.start()
        defer { monitor.stop() }
        var policy = ShutdownSignalPolicy()
        sink.write("old\n")
        #expect(rename(path, path + ".1") == 0)  // what logrotate does
        #expect(kill(getpid(), SIGHUP) == 0)
        let signal = try #require(await next(events))
        #expect(policy.signalReceived(signal) == .reopenLogs)
        try sink.reopen()
        sink.write("new\n")
        #expect(readLogLines(path + ".1") == ["old"])
        #expect(readLogLines(path) == ["new"])
    }

    @Test func defaultSignalsLeaveSIGUSR1ToTheThreadDumper() {
        #expect(ProcessSignalMonitor.defaultSignals == [.sigint, .sigterm, .sighup])
    }
}
