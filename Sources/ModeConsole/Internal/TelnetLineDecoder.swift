/// Turns the bytes of a telnet or `nc` client into command lines.
///
/// A pure state machine (no I/O), fed chunk by chunk:
/// - telnet commands are consumed: `IAC WILL/WONT/DO/DONT <option>`, `IAC SB ... IAC SE` (bounded), the
///   other two-byte commands; `IAC IAC` is a literal 255 byte;
/// - CR LF, LF, CR NUL and a lone CR end a line;
/// - backspace and DEL remove the previous byte of the line;
/// - EOT (Ctrl-D, 0x04) on an empty line ends the session; elsewhere it is ignored;
/// - a line longer than `maxLineLength` bytes yields one `.lineTooLong` and the rest of it is discarded.
struct TelnetLineDecoder {
    enum Event: Equatable, Sendable {
        case line([UInt8])
        case lineTooLong
        case endOfTransmission
    }

    private enum State {
        case data
        case command  // after IAC
        case option  // after IAC WILL/WONT/DO/DONT
        case subnegotiation(length: Int)  // after IAC SB
        case subnegotiationCommand(length: Int)  // after IAC inside SB
    }

    private static let iac: UInt8 = 255
    private static let subnegotiationStart: UInt8 = 250
    private static let subnegotiationEnd: UInt8 = 240
    private static let maxSubnegotiationLength = 1024

    let maxLineLength: Int
    private var state = State.data
    private var line: [UInt8] = []
    private var discarding = false
    private var afterCR = false

    init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// Consumes `bytes`, appending what they complete to `events`.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, into events: inout [Event]) {
        for byte in bytes { consume(byte, into: &events) }
    }

    /// Consumes `bytes`, appending what they complete to `events`.
    mutating func feed(_ bytes: [UInt8], into events: inout [Event]) {
        for byte in bytes { consume(byte, into: &events) }
    }

    /// At end of input: a last line without a line end still counts (`printf ps | nc host port`).
    mutating func finish(into events: inout [Event]) {
        if !line.isEmpty && !discarding { events.append(.line(line)) }
        line.removeAll()
        discarding = false
        state = .data
    }

    private mutating func consume(_ byte: UInt8, into events: inout [Event]) {
        switch state {
        case .data:
            if byte == Self.iac {
                state = .command
            } else {
                consumeData(byte, into: &events)
            }
        case .command:
            switch byte {
            case Self.iac:
                state = .data
                consumeData(Self.iac, into: &events)
            case 251...254:  // WILL, WONT, DO, DONT take one option byte
                state = .option
            case Self.subnegotiationStart:
                state = .subnegotiation(length: 0)
            default:  // NOP, GA, AYT, IP, ...: two-byte commands, ignored
                state = .data
            }
        case .option:
            state = .data
        case .subnegotiation(let length):
            if byte == Self.iac {
                state = .subnegotiationCommand(length: length)
            } else if length + 1 > Self.maxSubnegotiationLength {
                state = .data  // a runaway SB: give up on it rather than swallow the session
            } else {
                state = .subnegotiation(length: length + 1)
            }
        case .subnegotiationCommand(let length):
            // IAC SE ends it; IAC IAC is a literal 255 inside it; anything else is malformed: stay inside.
            state = byte == Self.subnegotiationEnd ? .data : .subnegotiation(length: length + 1)
        }
    }

    private mutating func consumeData(_ byte: UInt8, into events: inout [Event]) {
        let wasAfterCR = afterCR
        afterCR = false
        switch byte {
        case UInt8(ascii: "\n"), 0:
            if wasAfterCR { return }  // the second byte of CR LF / CR NUL
            if byte == UInt8(ascii: "\n") { endLine(into: &events) }
        case UInt8(ascii: "\r"):
            afterCR = true
            endLine(into: &events)
        case 0x04:
            if line.isEmpty && !discarding { events.append(.endOfTransmission) }
        case 0x08, 0x7F:
            if !discarding, !line.isEmpty { line.removeLast() }
        default:
            guard !discarding else { return }
            if line.count >= maxLineLength {
                discarding = true
                line.removeAll(keepingCapacity: false)
                events.append(.lineTooLong)
            } else {
                line.append(byte)
            }
        }
    }

    private mutating func endLine(into events: inout [Event]) {
        if discarding {
            discarding = false
        } else {
            events.append(.line(line))
        }
        line.removeAll(keepingCapacity: true)
    }
}
