import Logging
import NIOCore

/// One console session: decodes lines, enforces authentication and limits, hands commands to the
/// console's ``ConsoleCommandScheduler`` one at a time, and writes their answers followed by the prompt.
///
/// Everything here runs on the console's event loop. While a command runs, the handler holds back `read`
/// (TCP back-pressure), so a client that pipelines many lines cannot queue unbounded work; when the client
/// goes, its command is abandoned (dropped if it has not started).
final class ConsoleSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent to the oldest unauthenticated session when a newer connection needs its slot.
    struct Displaced {}

    private let services: ConsoleSessionServices
    private var configuration: DebugConsole.Configuration { services.configuration }
    private let session: ConsoleSessionInfo
    /// The peer's IP address without port: the key of the authentication throttle.
    private let peerAddress: String
    private let logger: Logger

    private var decoder: TelnetLineDecoder
    private var pending: [TelnetLineDecoder.Event] = []
    private var pendingIndex = 0
    private var ticket: ConsoleCommandScheduler.Queue.Ticket?
    private var commandRunning: Bool { ticket != nil }
    private var readHeld = false
    private var closing = false
    private var inputClosed = false
    private var authenticated: Bool
    private var authFailures = 0
    private var authenticationDeadline: Scheduled<Void>?

    init(services: ConsoleSessionServices, session: ConsoleSessionInfo, peerAddress: String, logger: Logger) {
        self.services = services
        self.session = session
        self.peerAddress = peerAddress
        self.logger = logger
        self.decoder = TelnetLineDecoder(maxLineLength: services.configuration.maxLineLength)
        self.authenticated = services.authenticator == nil
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
        if !authenticated {
            banner += "\nAuthentication required: send 'auth <token>' within \(ConsoleDuration.text(configuration.authenticationTimeout))."
            let timeout = configuration.authenticationTimeout
            authenticationDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                self.authenticationTimedOut(context: context)
            }
        }
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
        authenticationDeadline?.cancel()
        if let ticket {
            self.ticket = nil
            services.scheduler.abandon(ticket)  // not started: dropped; shared or running: left
        }
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
        if event is Displaced {
            logger.debug("debug console session displaced by a newer unauthenticated one")
            send(
                "error: too many unauthenticated console clients (max \(configuration.maxUnauthenticatedClients)); closing this one, the oldest",
                context: context)
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
        let (ticket, answer) = services.scheduler.submit(line: line, session: session, on: context.eventLoop)
        self.ticket = ticket
        answer.assumeIsolated().whenComplete { result in
            guard self.ticket == ticket else { return }  // abandoned: the session has closed
            self.ticket = nil
            self.commandFinished(result, context: context)
        }
    }

    private func commandFinished(_ result: Result<ConsoleAnswer, any Error>, context: ChannelHandlerContext) {
        guard !closing else { return }
        switch result {
        case .success(let answer):
            write(answer, context: context)
            if answer.closesSession {
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
        guard let authenticator = services.authenticator else {
            send("ok: this console needs no authentication", context: context)
            sendPrompt(context: context)
            return
        }
        if authenticated {
            send("ok: already authenticated", context: context)
            sendPrompt(context: context)
            return
        }
        let outcome = authenticator.authenticate(token, from: peerAddress, eventLoop: context.eventLoop)
        switch outcome {
        case .accepted:
            authenticated = true
            authFailures = 0
            authenticationDeadline?.cancel()
            authenticationDeadline = nil
            services.authenticated(session.id)
            logger.debug("debug console session authenticated")
            send("ok: authenticated", context: context)
            sendPrompt(context: context)
            return
        case .rejected:
            authFailures += 1
            if authFailures < configuration.maxAuthFailures {
                send("error: authentication failed", context: context)
            }
        case .throttled(let delay):
            authFailures += 1
            send(
                "error: too many failed authentication attempts from \(peerAddress); try again in \(ConsoleDuration.text(delay))",
                context: context)
        }
        if authFailures >= configuration.maxAuthFailures {
            send("error: authentication failed; too many failures, closing the session", context: context)
            close(context: context)
        } else {
            sendPrompt(context: context)
        }
    }

    private func authenticationTimedOut(context: ChannelHandlerContext) {
        authenticationDeadline = nil
        guard !authenticated, !closing else { return }
        logger.debug("debug console session did not authenticate in time, closing")
        send(
            "error: not authenticated within \(ConsoleDuration.text(configuration.authenticationTimeout)); closing the session",
            context: context)
        close(context: context)
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
        write(ConsoleAnswer(ConsoleOutput(text: text), maxBytes: configuration.maxOutputBuffered), context: context)
    }

    private func write(_ answer: ConsoleAnswer, context: ChannelHandlerContext) {
        guard !closing else { return }
        switch answer.body {
        case .tooLarge(let size):
            logger.warning(
                "debug console answer too large, not sent",
                metadata: ["mode.console.bytes": "\(size)", "mode.console.max_output": "\(configuration.maxOutputBuffered)"]
            )
            send(
                "error: the answer is too large (\(size) bytes, max \(configuration.maxOutputBuffered)); narrow it with a filter",
                context: context
            )
        case .bytes(let buffer):
            guard buffer.readableBytes > 0 else { return }
            let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            if buffered + buffer.readableBytes > configuration.maxOutputBuffered {
                logger.warning(
                    "debug console client reads too slowly, closing the session",
                    metadata: ["mode.console.buffered": "\(buffered)", "mode.console.max_output": "\(configuration.maxOutputBuffered)"]
                )
                closing = true
                context.close(promise: nil)
                return
            }
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
    }

    private func close(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}

/// What every session of one console shares: its configuration, command scheduler and authenticator, and
/// the slot bookkeeping it reports authentication to.
struct ConsoleSessionServices: Sendable {
    let configuration: DebugConsole.Configuration
    let scheduler: ConsoleCommandScheduler
    let authenticator: ConsoleAuthenticator?
    /// Called when a session has authenticated (it leaves the unauthenticated quota).
    let authenticated: @Sendable (Int) -> Void
}
