#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies standard input to the console connection on its own thread; at end of input it half-closes the
/// connection, so the console ends the session and the relay loop sees end-of-file.
final class StdinPump: @unchecked Sendable {
    // @unchecked: `connection` is used only by the pump thread after `start()` for sending; the main thread
    // only receives on it. Sending and receiving on one socket from two threads is safe at the kernel level
    // and the two paths share no Swift state (`send(bytes:)` touches no stored property but the descriptor).
    private let connection: ConsoleConnection

    init(connection: ConsoleConnection) {
        self.connection = connection
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let pump = Unmanaged<StdinPump>.fromOpaque(context!).takeRetainedValue()
            pump.pump()
            return nil
        }, box.toOpaque())
        if result == 0 {
            pthread_detach(thread)
        } else {
            box.release()
        }
    }

    private func pump() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            do { try connection.send(bytes: Array(chunk[..<count])) } catch { return }
        }
        connection.shutdownWrite()
    }
}
