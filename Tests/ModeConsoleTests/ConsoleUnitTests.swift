import Foundation
import NIOCore
import Testing

@testable import ModeConsole

@Suite("Console building blocks")
struct ConsoleUnitTests {
    private func decode(_ chunks: [[UInt8]], maxLineLength: Int = 16) -> [TelnetLineDecoder.Event] {
        var decoder = TelnetLineDecoder(maxLineLength: maxLineLength)
        var events: [TelnetLineDecoder.Event] = []
        for chunk in chunks { decoder.feed(chunk, into: &events) }
        return events
    }

    @Test func lineEndsCRLFLFAndCRNULAcrossChunks() {
        let events = decode([Array("a\r".utf8), Array("\nb\n".utf8), Array("c\r".utf8), [0], Array("d\re\n".utf8)])
        #expect(events == [.line(Array("a".utf8)), .line(Array("b".utf8)), .line(Array("c".utf8)),
                           .line(Array("d".utf8)), .line(Array("e".utf8))])
    }

    @Test func telnetCommandsAreConsumedAndIACIACIsAByte() {
        let bytes: [UInt8] = [255, 253, 1, 0x61, 255, 250, 24, 1, 255, 255, 255, 240, 0x62, 255, 255, 255, 241, 0x0A]
        #expect(decode([bytes]) == [.line([0x61, 0x62, 255])])
        // The same bytes split at every position give the same result.
        for split in 1..<bytes.count {
            #expect(decode([Array(bytes[..<split]), Array(bytes[split...])]) == [.line([0x61, 0x62, 255])])
        }
    }

    @Test func backspaceEOTAndOverlongLines() {
        #expect(decode([[0x61, 0x62, 0x08, 0x63, 0x7F, 0x64, 0x0A]]) == [.line([0x61, 0x64])])
        #expect(decode([[0x04]]) == [.endOfTransmission])
        #expect(decode([[0x61, 0x04, 0x0A]]) == [.line([0x61])])
        let long = [UInt8](repeating: 0x78, count: 40) + [0x0A, 0x79, 0x0A]
        #expect(decode([long]) == [.lineTooLong, .line([0x79])])
        #expect(decode([[UInt8](repeating: 0x78, count: 16) + [0x0A]]) == [.line([UInt8](repeating: 0x78, count: 16))])
    }

    @Test func tokenizerGroupsQuotesAndEscapes() throws {
        #expect(try CommandLineTokenizer.split(#"  ps  -t 'a b' "c \"d\"" e\ f "#) == ["ps", "-t", "a b", #"c "d""#, "e f"])
        #expect(try CommandLineTokenizer.split(#"x """#) == ["x", ""])
        #expect(throws: ConsoleError.self) { try CommandLineTokenizer.split("echo 'open") }
    }

    @Test func tableRendersAlignedColumnsWithBorders() {
        var table = ConsoleTable(columns: [.init("ID", alignment: .right), .init("Name")])
        table.append(["7", "poll"])
        table.append(["123", "flüsh\nnow"])
        table.append(["9"])
        let expected = """
            +-----+-----------+
            | ID  | Name      |
            +-----+-----------+
            |   7 | poll      |
            | 123 | flüsh now |
            |   9 |           |
            +-----+-----------+

            """
        #expect(table.rendered() == expected)
        #expect(table.jsonRows()[1]?["name"] == "flüsh\nnow")
        #expect(table.rendered(prefix: "3 tasks running\n") == "3 tasks running\n" + expected)

        // Rows changed directly (not appended) are measured when rendered; a header wider than its cells and
        // multi-byte characters in both.
        var direct = ConsoleTable(columns: [.init("Größe", alignment: .right), .init("N")])
        direct.rows = [["1", "ééé"]]
        direct.rows.append(["22", "x\u{7F}y"])
        direct.rows[0][0] = "333333"
        #expect(direct.rendered() == """
            +--------+-----+
            | Größe  | N   |
            +--------+-----+
            | 333333 | ééé |
            |     22 | x y |
            +--------+-----+

            """)
        direct.append(["4", "日本"])
        #expect(direct.rendered().hasSuffix("|      4 | 日本  |\n+--------+-----+\n"))
        #expect(ConsoleTable(columns: ["A"]).rendered(prefix: "none\n") == "none\n+---+\n| A |\n+---+\n+---+\n")
    }

    @Test func cellsAreMeasuredAsTheByteByByteScanWouldForEveryLengthAndPosition() {
        // Eight bytes at a time: a control character or DEL at any offset of any length is found, a non-ASCII cell
        // is counted in characters.
        for length in 0..<20 {
            let clean = String(repeating: "a~ 0Z}", count: 4).prefix(length)
            #expect(ConsoleTable.measure(String(clean)) == (length, true))
            for position in 0..<length {
                for bad: UInt8 in [0x00, 0x09, 0x0A, 0x1F, 0x7F] {
                    var bytes = Array(clean.utf8)
                    bytes[position] = bad
                    #expect(ConsoleTable.measure(String(decoding: bytes, as: UTF8.self)) == (length, false), "\(length) \(position) \(bad)")
                }
                var wide = Array(clean.utf8)
                wide.replaceSubrange(position...position, with: Array("é".utf8))
                #expect(ConsoleTable.measure(String(decoding: wide, as: UTF8.self)) == (length, true))
                wide.append(0x1B)
                #expect(ConsoleTable.measure(String(decoding: wide, as: UTF8.self)) == (length + 1, false))
            }
        }
        #expect(ConsoleTable.measure("\u{20}\u{7E}\u{21}\u{40}\u{60}\u{5F}\u{3F}\u{2F}") == (8, true))
    }

    @Test func jsonRenderingIsValidAndOrdered() throws {
        let value: JSONValue = [
            "z": 1, "a": [true, nil, 2.5, .double(.infinity)], "s": "q\"\\\n\u{01}é",
            "empty": [:], "list": [],
        ]
        let text = value.rendered()
        #expect(text == #"{"z":1,"a":[true,null,2.5,null],"s":"q\"\\\n\u0001é","empty":{},"list":[]}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["s"] as? String == "q\"\\\n\u{01}é")
        let encoded = try JSONEncoder().encode(value)
        #expect((try JSONSerialization.jsonObject(with: encoded) as? [String: Any])?["z"] as? Int == 1)
    }

    @Test func suggestionsAndHelpThroughTheRegistry() {
        let registry = ConsoleCommandRegistry()
        ConsoleFixture.register(in: registry)
        #expect(registry.suggestion(for: "pss") == "ps")
        #expect(registry.suggestion(for: "hlep") == "help")
        #expect(registry.suggestion(for: "tab") == "table")
        #expect(registry.suggestion(for: "zzzzzz") == nil)
        #expect(registry.execute(line: "e a b").text == "a b")
        #expect(registry.execute(line: "json nothing").text
            == #"{"error":"unknown command 'nothing'. Type 'help' for the list of commands."}"#)
        #expect(registry.execute(line: "json").isError)
        #expect(registry.execute(line: "exit").closesSession)
        registry.unregister("echo")
        #expect(registry.command(named: "e") == nil)
    }

    @Test func loopbackAddressesAreRecognized() throws {
        #expect(DebugConsole.isLoopback(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(DebugConsole.isLoopback(try SocketAddress(ipAddress: "127.3.2.1", port: 1)))
        #expect(DebugConsole.isLoopback(try SocketAddress(ipAddress: "::1", port: 1)))
        #expect(!DebugConsole.isLoopback(try SocketAddress(ipAddress: "0.0.0.0", port: 1)))
        #expect(!DebugConsole.isLoopback(try SocketAddress(ipAddress: "10.1.2.3", port: 1)))
        #expect(!DebugConsole.isLoopback(try SocketAddress(ipAddress: "::", port: 1)))
    }

    @Test func answersGetCRLFLineEnds() {
        let long = String(repeating: "é-|", count: 700)
        for (text, expected) in [
            ("a", "a\r\n"), ("a\nb\n", "a\r\nb\r\n"), ("a\r\nb", "a\r\nb\r\n"), ("\n\n", "\r\n\r\n"), ("", ""),
            ("\nx", "\r\nx\r\n"), ("x\r", "x\r\r\n"), ("\r\n\n\r\n", "\r\n\r\n\r\n"),
            (long + "\n" + long, long + "\r\n" + long + "\r\n"),
        ] {
            let encoded = ConsoleAnswer.encode(text)
            #expect(String(buffer: encoded) == expected)
            #expect(encoded.readableBytes == expected.utf8.count)
        }
        let tooLarge = ConsoleAnswer(ConsoleOutput(text: String(repeating: "x\n", count: 10)), maxBytes: 29)
        guard case .tooLarge(let size) = tooLarge.body else {
            Issue.record("expected tooLarge")
            return
        }
        #expect(size == 30)
    }

    @Test("a table output goes on the wire as its text would: CR LF line ends, same size limit")
    func tableOutputOnTheWire() {
        var building = ConsoleTable(columns: [.init("ID", alignment: .right), .init("Name")])
        building.reserveCapacity(3)
        building.append(["7", "poll"])
        building.append(["12", "tab\there"])  // sanitized to a space
        building.append(["3", "naïve ✓"])     // multi-byte characters: more bytes than columns
        let table = building
        for prefix in ["3 tasks\n", "", "a\r\nb\nc"] {
            let output = ConsoleOutput(table: { (table, prefix) }, json: nil)
            #expect(output.text == table.rendered(prefix: prefix))
            let wire = ConsoleAnswer(output, maxBytes: 1 << 20)
            guard case .bytes(let bytes) = wire.body else {
                Issue.record("expected bytes")
                continue
            }
            let expected = ConsoleAnswer.encode(table.rendered(prefix: prefix))
            #expect(bytes == expected, "\(String(buffer: bytes)) vs \(String(buffer: expected))")
        }
        let size = ConsoleAnswer.encode(table.rendered(prefix: "")).readableBytes
        let limited = ConsoleAnswer(ConsoleOutput(table: { (table, "") }, json: nil), maxBytes: size - 1)
        guard case .tooLarge(let reported) = limited.body else {
            Issue.record("expected tooLarge")
            return
        }
        #expect(reported == size)
    }

    @Test func constantTimeComparison() {
        #expect(ConsoleAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConsoleAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConsoleAuthenticator.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConsoleAuthenticator.constantTimeEquals([], Array("a".utf8)))
    }
}
