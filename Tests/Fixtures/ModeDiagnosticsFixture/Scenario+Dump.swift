import CModeSupport
import Foundation
import ModeDiagnostics

// `dump <log-file> [json]`: a thread blocks in `fixtureBlockedInNamedFunction`; SIGUSR1 writes a thread dump to the
// log file, after which the blocked thread is released and the process exits 0.
extension Scenario {
    static let dumpScenarios: [String: @Sendable ([String]) async throws -> Void] = [
        "dump": { arguments in
            let path = arguments[0]
            var pipeFDs: [Int32] = [0, 0]
            guard pipe(&pipeFDs) == 0 else { exit(70) }
            let fds = pipeFDs
            let finished = DispatchSemaphore(value: 0)
            let blocked = Thread {
                ThreadInventory.setCurrentThreadName("blocked-thread")
                fixtureBlockedInNamedFunction(fds[0])
                finished.signal()
            }
            blocked.start()
            try ThreadDumpTrigger.install(sections: { [DiagnosticSection(title: "fixture tasks", lines: ["none"])] }) {
                dump in
                Scenario.append(arguments.contains("json") ? dump.renderJSON() + "\n" : dump.render(), to: path)
                var byte: UInt8 = 1
                _ = write(fds[1], &byte, 1)
            }
            while ThreadInventory.list().first(where: { $0.name == "blocked-thread" }) == nil { usleep(1000) }
            Scenario.append("READY pid=\(getpid())\n", to: path)
            finished.wait()
            Scenario.append("EXITING\n", to: path)
        }
    ]
}

@inline(never)
func fixtureBlockedInNamedFunction(_ fd: Int32) {
    var byte: UInt8 = 0
    while read(fd, &byte, 1) < 0 && errno == EINTR {}
}
