import Foundation
import ModeWorker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("LogSink")
struct LogSinkTests {
    private func mode(of path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    @Test func createsNewFileWith0640RegardlessOfUmask() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let previous = umask(0o077)  // would give 0600 without the fchmod
        let sink = Result { try LogSink(path: dir.file("new.log")) }
        umask(previous)
        _ = try sink.get()
        #expect(mode(of: dir.file("new.log")) == 0o640)
    }

    @Test func appendsToExistingFileAndKeepsItsMode() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("existing.log")
        try "first\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        let sink = try LogSink(path: path)
        sink.write("second\n")
        #expect(readLogLines(path) == ["first", "second"])
        #expect(mode(of: path) == 0o600)
    }

    @Test func reopenKeepsTheDescriptorNumberAndWritesToTheNewFile() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("app.log")
        let sink = try LogSink(path: path)
        let fd = sink.fileDescriptor
        sink.write("before rotation\n")
        #expect(rename(path, path + ".1") == 0)  // what logrotate does
        sink.write("still old file\n")
        try sink.reopen()
        #expect(sink.fileDescriptor == fd)
        sink.write("after rotation\n")
        // A crash reporter that captured the number earlier writes to the new file too.
        let raw = Array("raw write\n".utf8)
        #expect(write(fd, raw, raw.count) == raw.count)
        #expect(readLogLines(path + ".1") == ["before rotation", "still old file"])
        #expect(readLogLines(path) == ["after rotation", "raw write"])
        #expect(mode(of: path) == 0o640)
        let flags = fcntl(fd, F_GETFD)
        #expect(flags & FD_CLOEXEC != 0)
    }

    @Test func openFailureHasCodeAndMessage() {
        #expect {
            _ = try LogSink(path: "/nonexistent-dir-for-mode-tests/app.log")
        } throws: { error in
            guard let error = error as? LogSinkError else { return false }
            return error.code == .openFailed && error.errno == ENOENT
                && error.message.contains("/nonexistent-dir-for-mode-tests/app.log")
        }
    }

    @Test func writeGateWrapsEveryWrite() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let path = dir.file("gate.log")
        let sink = try LogSink(path: path)
        let observed = Mutex<[Int]>([])
        let hold = Mutex(false)
        sink.writeGate = { write in
            // The gate sees the file as it was before the write it guards, and decides whether it happens.
            let count = readLogLines(path).count
            observed.withLock { $0.append(count) }
            if !hold.withLock({ $0 }) { write() }
        }
        sink.write("a\n")
        sink.write("b\n")
        hold.withLock { $0 = true }
        sink.write("held back\n")
        sink.writeGate = nil
        sink.write("c\n")
        #expect(observed.withLock { $0 } == [0, 1, 2])
        #expect(readLogLines(path) == ["a", "b", "c"])
    }

    @Test func adoptedPipeDescriptorReceivesWholeLines() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let sink = LogSink(fileDescriptor: ends[1], closeOnDeinit: true)
        #expect(sink.isTerminal == false)
        sink.write("hello pipe\n")
        try sink.reopen()  // no path: nothing to do
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(ends[0], &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "hello pipe\n")
        #expect(sink.droppedRecords == 0)
    }

    @Test func writeToClosedReaderCountsADroppedRecord() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        close(ends[0])
        signal(SIGPIPE, SIG_IGN)
        let sink = LogSink(fileDescriptor: ends[1], closeOnDeinit: true)
        sink.write("nobody reads this\n")
        #expect(sink.droppedRecords == 1)
    }
}
