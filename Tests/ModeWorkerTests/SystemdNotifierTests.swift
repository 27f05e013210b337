import ModeWorker
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A unix datagram socket bound by the test, standing in for systemd.
private final class FakeSystemd {
    let fd: Int32

    init(address: String) throws {
        #if canImport(Glibc)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        let isAbstract = address.hasPrefix("@")
        if isAbstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(2 + bytes.count + (isAbstract ? 0 : 1))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        #expect(bound == 0)
        // A generous receive deadline so a lost datagram fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }

    deinit { close(fd) }
}

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test func sendsDatagramsToAPathSocket() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("notify.sock")
        let systemd = try FakeSystemd(address: path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.isEnabled)
        #expect(try notifier.ready(status: "Serving on port 8000"))
        #expect(systemd.receive() == "READY=1\nSTATUS=Serving on port 8000")
        try notifier.watchdog()
        #expect(systemd.receive() == "WATCHDOG=1")
        try notifier.status("2 services")
        #expect(systemd.receive() == "STATUS=2 services")
        try notifier.stopping()
        #expect(systemd.receive() == "STOPPING=1")
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "@mode-worker-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let systemd = try FakeSystemd(address: name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": name])
        try notifier.ready()
        #expect(systemd.receive() == "READY=1")
    }

    @Test func isANoOpWithoutNotifySocket() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(notifier.isEnabled == false)
        #expect(try notifier.ready() == false)
        #expect(try notifier.watchdog() == false)
        #expect(notifier.watchdogInterval == nil)
    }

    @Test func watchdogIntervalHonoursWatchdogPID() {
        let mine = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(mine.watchdogInterval == .seconds(30))
        let anyPID = SystemdNotifier(environment: ["WATCHDOG_USEC": "500000"])
        #expect(anyPID.watchdogInterval == .milliseconds(500))
        let other = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], processID: 4242)
        #expect(other.watchdogInterval == nil)
        let bad = SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"])
        #expect(bad.watchdogInterval == nil)
    }

    @Test func relativeSocketPathIsRejected() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative.sock"])
        #expect {
            try notifier.ready()
        } throws: { error in
            (error as? SystemdNotifierError)?.code == .invalidSocketAddress
        }
    }

    @Test func missingListenerIsASendFailure() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": dir.file("nobody.sock")])
        #expect {
            try notifier.ready()
        } throws: { error in
            guard let error = error as? SystemdNotifierError else { return false }
            return error.code == .sendFailed && error.errno == ENOENT
        }
    }
}
