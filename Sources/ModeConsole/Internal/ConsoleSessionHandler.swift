import Logging
import NIOCore
import NIOPosix

/// One console session: decodes lines, enforces authentication and limits, runs commands on the command
/// pool one at a time, and writes their answers followed by the prompt.
///
/// Everything here runs on the console's event loop. While a command runs, the handler holds back `read`
/// (TCP back-pressure), so a client that pipelines many lines cannot queue unbounded work.
final class ConsoleSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let configuration: DebugConsole.Configuration
    private let registry: ConsoleCommandRegistry
    private let pool: NIOThreadPool
    private let session: ConsoleSessionInfo
    private let logger: Logger

    private var decoder: TelnetLineDecoder
    private var pending: [TelnetLineDecoder.Event] = []
    private var pendingIndex = 0
    private var commandRunning = false
    private var readHeld = false
    private var closing = false
    private var inputClosed = false
    private var authenticated: Bool
    private var authFailures = 0

    init(
        configuration: DebugConsole.Configuration,
        registry: ConsoleCommandRegistry,
        pool: NIOThreadPool,
        session: ConsoleSessionInfo,
        logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.pool = pool
        self.session = session
        self.logger = logger
        self.decoder = TelnetLineDecoder(maxLineLength: configuration.maxLineLength)
        self.authenticated = configuration.authToken == nil
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { greet(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        greet(context: context)
        context.fireChannelActive()
    }

    private var greeted = false

    private func greet(context: ChannelHandlerContext) {
        guard !greeted else { return }
        greeted = true
        logger.debug("debug console session opened")
        var banner = configuration.banner
        if !authenticated { banner += "\nAuthentication required: send 'auth <token>'." }
        send(banner, context: context)
        sendPrompt(context: context)
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !closing else { return }
        if pendingIndex > 0 && pendingIndex == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
        }
        buffer.withUnsafeReadableBytes { decoder.feed($0, into: &pending) }
        drain(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if commandRunning || pendingIndex < pending.count || closing {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        logger.debug("debug console session closed")
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            guard !commandRunning else { return }  // the client waits for a slow answer; that is not idleness
            logger.debug("debug console session idle, closing")
            send("idle for \(configuration.idleTimeout); closing the session", context: context)
            close(context: context)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client sent everything it will send (`printf 'ps\n' | nc`): answer it all, then close.
            inputClosed = true
            if pendingIndex > 0 && pendingIndex == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingIndex = 0
            }
            decoder.finish(into: &pending)
            drain(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("debug console session error: \(error)")
        close(context: context)
    }

    // MARK: Lines

    /// Handles queued events until one starts a command (which continues in `commandFinished`).
    private func drain(context: ChannelHandlerContext) {
        while !commandRunning && !closing && pendingIndex < pending.count {
            let event = pending[pendingIndex]
            pendingIndex += 1
            handle(event, context: context)
        }
        context.flush()
        guard !commandRunning && pendingIndex == pending.count && !closing else { return }
        if inputClosed {
            close(context: context)
        } else if readHeld {
            readHeld = false
            context.read()
        }
    }

    private func handle(_ event: TelnetLineDecoder.Event, context: ChannelHandlerContext) {
        switch event {
        case .endOfTransmission:
            send("bye", context: context)
            close(context: context)
        case .lineTooLong:
            send("error: line too long (max \(configuration.maxLineLength) bytes); discarded", context: context)
            sendPrompt(context: context)
        case .line(let bytes):
            guard let line = String(validating: bytes, as: UTF8.self) else {
                send("error: the line is not valid UTF-8; discarded", context: context)
                sendPrompt(context: context)
                return
            }
            handle(line: line, context: context)
        }
    }

    private func handle(line: String, context: ChannelHandlerContext) {
        let words = line.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else {
            sendPrompt(context: context)
            return
        }
        if first == "auth" {
            authenticate(token: words.dropFirst().joined(separator: " "), context: context)
            return
        }
        guard authenticated || first == "exit" || first == "quit" else {
            let message = "authentication required: send 'auth <token>'"
            send(first == "json" ? ConsoleOutput.error(message).jsonDocument.rendered() : "error: " + message,
                 context: context)
            sendPrompt(context: context)
            return
        }
        run(line: line, context: context)
    }

    private func run(line: String, context: ChannelHandlerContext) {
        commandRunning = true
        let registry = self.registry
        let session = self.session
        pool.runIfActive(eventLoop: context.eventLoop) { () -> ConsoleOutput in
            ConsoleThreadName.set("mode-console-w")
            return registry.execute(line: line, session: session)
        }.assumeIsolated().whenComplete { result in
            self.commandFinished(result, context: context)
        }
    }

    private func commandFinished(_ result: Result<ConsoleOutput, any Error>, context: ChannelHandlerContext) {
        commandRunning = false
        guard !closing else { return }
        switch result {
        case .success(let output):
            send(output.text, context: context)
            if output.closesSession {
                close(context: context)
                return
            }
        case .failure(let error):
            send("error: the console is shutting down (\(error))", context: context)
        }
        sendPrompt(context: context)
        drain(context: context)
    }

    // MARK: Authentication

    private func authenticate(token: String, context: ChannelHandlerContext) {
        guard let expected = configuration.authToken else {
            send("ok: this console needs no authentication", context: context)
            sendPrompt(context: context)
            return
        }
        if Self.constantTimeEquals(Array(token.utf8), Array(expected.utf8)) {
            authenticated = true
            authFailures = 0
            logger.debug("debug console session authenticated")
            send("ok: authenticated", context: context)
            sendPrompt(context: context)
            return
        }
        authFailures += 1
        logger.warning(
            "debug console authentication failed",
            metadata: ["mode.console.auth_failures": "\(authFailures)"]
        )
        if authFailures >= configuration.maxAuthFailures {
            send("error: authentication failed; too many failures, closing the session", context: context)
            close(context: context)
        } else {
            send("error: authentication failed", context: context)
            sendPrompt(context: context)
        }
    }

    /// Compares without an early exit, so the time taken does not reveal how much of the token matched.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    // MARK: Output

    private func sendPrompt(context: ChannelHandlerContext) {
        guard !closing else { return }
        var buffer = context.channel.allocator.buffer(capacity: configuration.prompt.utf8.count)
        buffer.writeString(configuration.prompt)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Writes `text` with CR LF line ends (what telnet expects), adding a final line end.
    private func send(_ text: String, context: ChannelHandlerContext) {
        guard !closing, !text.isEmpty else { return }
        var text = text
        text.withUTF8 { sendLines($0, context: context) }
    }

    private func sendLines(_ utf8: UnsafeBufferPointer<UInt8>, context: ChannelHandlerContext) {
        let size = Self.crlfEncodedSize(of: utf8)
        if size > configuration.maxOutputBuffered {
            logger.warning(
                "debug console answer too large, not sent",
                metadata: ["mode.console.bytes": "\(size)", "mode.console.max_output": "\(configuration.maxOutputBuffered)"]
            )
            send(
                "error: the answer is too large (\(size) bytes, max \(configuration.maxOutputBuffered)); narrow it with a filter",
                context: context
            )
            return
        }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        if buffered + size > configuration.maxOutputBuffered {
            logger.warning(
                "debug console client reads too slowly, closing the session",
                metadata: ["mode.console.buffered": "\(buffered)", "mode.console.max_output": "\(configuration.maxOutputBuffered)"]
            )
            closing = true
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: size)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { Self.crlfEncode(utf8, into: $0) }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// The size of `utf8` once every bare LF is CR LF and a final CR LF is ensured.
    static func crlfEncodedSize(of utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var size = utf8.count
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { size += 1 }
            previous = byte
        }
        return utf8.last == UInt8(ascii: "\n") ? size : size + 2
    }

    /// Copies `utf8` into `destination` with CR LF line ends; returns the bytes written.
    static func crlfEncode(_ utf8: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableRawBufferPointer) -> Int {
        var index = 0
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") {
                destination[index] = UInt8(ascii: "\r")
                index += 1
            }
            destination[index] = byte
            index += 1
            previous = byte
        }
        if utf8.last != UInt8(ascii: "\n") {
            destination[index] = UInt8(ascii: "\r")
            destination[index + 1] = UInt8(ascii: "\n")
            index += 2
        }
        return index
    }

    private func close(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}
