import Foundation
import Logging
import ModeWorker
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("ModeLogging and terminals")
struct ModeLoggingBootstrapTests {
    /// `LoggingSystem.bootstrap` runs once per process, so it is exercised only inside an exit-test child
    /// process; the test process itself never bootstraps.
    @Test func bootstrapInAChildProcessWritesJSONLinesOnce() async throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("boot.log")
        await #expect(processExitsWith: .success) { [path = path as String] in
            let options = ResolvedWorkerOptions(logLevel: .debug, logFile: path, logFormat: .json)
            let logging = try ModeLogging.bootstrap(options, environment: [:])
            var logger = Logger(label: "child")
            logger[metadataKey: "mode.service"] = "Worker"
            logger.debug("hello from the child")
            logger.trace("below the level")
            do {
                _ = try ModeLogging.bootstrap(ModeLogHandler.Configuration())
                exit(3)
            } catch let error as ModeLoggingError where error.code == .alreadyBootstrapped {
                // expected
            }
            guard logging.recentLines.snapshot().count == 1, logging.sink.path == path,
                logging.levelControl.level == .debug
            else { exit(4) }
        }
        let lines = readLogLines(path)
        #expect(lines.count == 1)
        let object = try #require(parseJSONLine(lines.first ?? ""))
        #expect(object["message"] as? String == "hello from the child")
        #expect(object["level"] as? String == "debug")
        #expect(object["label"] as? String == "[^Worker]")
        #expect(object["logger"] as? String == "child")
    }

    /// Opens a pseudo-terminal pair through /dev/ptmx (posix_openpt and friends are not visible to Swift
    /// without _XOPEN_SOURCE); returns (master, slave) descriptors.
    private func openPseudoTerminal() throws -> (Int32, Int32) {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        // Linux generic ioctl numbers: TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, unsigned).
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, UInt(0x4004_5431), &unlock) == 0)
        try #require(ioctl(master, UInt(0x8004_5430), &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        return (master, slave)
    }

    @Test func colourOnlyOnATerminal() throws {
        let (master, slave) = try openPseudoTerminal()
        defer { close(master) }
        try #require(slave >= 0)
        let sink = LogSink(fileDescriptor: slave, closeOnDeinit: true)
        #expect(sink.isTerminal)

        func output(colorEnabled: Bool) throws -> String {
            let configuration = ModeLogHandler.Configuration(
                sink: sink, colorEnabled: colorEnabled, levelControl: LogLevelControl(level: .info))
            let logger = Logger(label: "tty") { ModeLogHandler(label: $0, configuration: configuration) }
            logger.error("boom")
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            try #require(poll(&entry, 1, 30_000) == 1)  // deadline, not a timing assertion
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = read(master, &buffer, buffer.count)
            return String(decoding: buffer[0..<max(count, 0)], as: UTF8.self)
        }
        let coloured = try output(colorEnabled: true)
        #expect(coloured.contains("ERROR]: \u{1B}[31mboom\u{1B}[0m"))
        let plain = try output(colorEnabled: false)
        #expect(plain.contains("ERROR]: boom"))
        #expect(plain.contains("\u{1B}") == false)
    }
}
