/// An ASCII table in aiomonitor's layout, for console commands such as `ps`.
///
/// ```swift
/// var table = ConsoleTable(columns: ["Task ID", "State", "Name"])
/// table.append(["7", "running", "PageViewCache.poll"])
/// print(table.rendered())
/// // +---------+---------+--------------------+
/// // | Task ID | State   | Name               |
/// // +---------+---------+--------------------+
/// // | 7       | running | PageViewCache.poll |
/// // +---------+---------+--------------------+
/// ```
///
/// Cells are single-line: control characters (newlines, tabs) render as spaces. A row shorter than the
/// header is padded with empty cells; extra cells are ignored.
public struct ConsoleTable: Sendable {
    /// How a column's cells are aligned.
    public struct Alignment: Hashable, Sendable {
        private enum Wrapped: Hashable, Sendable { case left, right }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Text columns (the default).
        public static var left: Self { Self(.left) }
        /// Numeric columns.
        public static var right: Self { Self(.right) }

        var isRight: Bool { wrapped == .right }
    }

    /// One column: its header, alignment, and the key used for it in ``jsonRows()``.
    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        /// The member name in JSON; defaults to the title in snake_case (`"Task ID"` -> `"task_id"`).
        public var key: String

        public init(_ title: String, alignment: Alignment = .left, key: String? = nil) {
            self.title = title
            self.alignment = alignment
            self.key = key ?? Self.snakeCase(title)
        }

        static func snakeCase(_ title: String) -> String {
            var key = ""
            var pendingUnderscore = false
            for character in title.lowercased() {
                if character.isLetter || character.isNumber {
                    if pendingUnderscore, !key.isEmpty { key += "_" }
                    pendingUnderscore = false
                    key.append(character)
                } else {
                    pendingUnderscore = true
                }
            }
            return key
        }
    }

    /// The columns, in display order.
    public var columns: [Column]
    /// The rows; each holds one cell per column.
    public var rows: [[String]] {
        get { storage }
        set {
            storage = newValue
            measured = Measurements()
        }
        _modify {
            measured = Measurements()
            yield &storage
        }
    }

    /// The rows; ``append(_:)`` measures each row as it comes (one pass over the cells instead of two).
    private var storage: [[String]]
    /// Widths of the first `rows` rows (``append(_:)`` keeps them up to date; a direct change of ``rows``
    /// resets them and ``rendered()`` measures again).
    private var measured = Measurements()

    private struct Measurements: Sendable {
        var rows = 0
        var widths: [Int] = []
        var cellWidths: [Int] = []
        /// Sanitized copies of the rare cells with control characters, by `row * columnCount + column`.
        var replaced: [Int: String] = [:]
        /// UTF-8 bytes beyond the cells' widths (multi-byte characters), for the rendered size.
        var extraBytes = 0

        mutating func measure(_ row: [String], columnCount: Int) {
            if widths.count != columnCount { widths = [Int](repeating: 0, count: columnCount) }
            let base = rows * columnCount
            for index in 0..<columnCount {
                var width = 0
                if index < row.count {
                    var isClean: Bool
                    (width, isClean) = ConsoleTable.measure(row[index])
                    var bytes = row[index].utf8.count
                    if !isClean {
                        let clean = ConsoleTable.sanitized(row[index])
                        replaced[base + index] = clean
                        (width, isClean) = ConsoleTable.measure(clean)
                        bytes = clean.utf8.count
                    }
                    extraBytes += bytes - width
                }
                cellWidths.append(width)
                widths[index] = max(widths[index], width)
            }
            rows += 1
        }
    }

    /// Creates a table with left-aligned columns.
    public init(columns: [String], rows: [[String]] = []) {
        self.init(columns: columns.map { Column($0) }, rows: rows)
    }

    /// Creates a table with explicit column descriptions.
    public init(columns: [Column], rows: [[String]] = []) {
        self.columns = columns
        self.storage = rows
    }

    /// Appends one row.
    public mutating func append(_ row: [String]) {
        // Measured now while the row is at hand, unless the measurements are already stale (then rendered() measures
        // every row again).
        if measured.rows == storage.count && (measured.rows == 0 || measured.widths.count == columns.count) {
            measured.measure(row, columnCount: columns.count)
        }
        storage.append(row)
    }

    /// The table as text, one line per row, each line ending in `\n`.
    ///
    /// ```swift
    /// print(ConsoleTable(columns: ["ID", "Name"], rows: [["1", "poll"]]).rendered())
    /// ```
    public func rendered() -> String {
        rendered(prefix: "")
    }

    /// The table as text after `prefix` (a summary line, say): one string built in place, without the copy a
    /// concatenation makes (a 10,000-row `ps` is 1.3 MB).
    ///
    /// ```swift
    /// let text = table.rendered(prefix: "\(table.rows.count) tasks running\n")
    /// ```
    public func rendered(prefix: String) -> String {
        let plan = renderPlan(prefix: prefix, crlf: false)
        return String(unsafeUninitializedCapacity: plan.size) { plan.write(into: $0) }
    }

    /// Reserves storage for `rows` rows (and their measurements) before they are appended.
    ///
    /// ```swift
    /// var table = ConsoleTable(columns: ["ID", "Name"])
    /// table.reserveCapacity(records.count)
    /// ```
    public mutating func reserveCapacity(_ rows: Int) {
        storage.reserveCapacity(rows)
        measured.cellWidths.reserveCapacity(rows * columns.count)
    }

    /// Everything rendering needs, measured once: its exact size in bytes, then ``write(into:)``. With `crlf`, every
    /// line ends in CR LF (the console's wire form, written straight into the answer's buffer; a `\n` of the prefix
    /// becomes `\r\n`), else in LF.
    func renderPlan(prefix: String, crlf: Bool) -> RenderPlan {
        let columnCount = columns.count
        let rows = storage
        let header = columns.map { Self.sanitized($0.title) }
        // Every cell was measured (and the rare ones that need sanitizing found) as its row was appended; rows set
        // directly are measured here. Then one pass writes bytes.
        var measurements = measured
        if measurements.rows != rows.count || measurements.cellWidths.count != rows.count * columnCount
            || (measurements.rows > 0 && measurements.widths.count != columnCount)
        {
            measurements = Measurements()
            for row in rows { measurements.measure(row, columnCount: columnCount) }
        }
        var widths = header.map { Self.measure($0).width }
        for index in 0..<min(columnCount, measurements.widths.count) {
            widths[index] = max(widths[index], measurements.widths[index])
        }
        let lineEnd: [UInt8] = crlf ? [UInt8(ascii: "\r"), UInt8(ascii: "\n")] : [UInt8(ascii: "\n")]
        var border: [UInt8] = [UInt8(ascii: "+")]
        for width in widths {
            border.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: width + 2))
            border.append(UInt8(ascii: "+"))
        }
        border.append(contentsOf: lineEnd)
        var prefixBytes: [UInt8] = []
        prefixBytes.reserveCapacity(prefix.utf8.count + 2)
        for byte in prefix.utf8 {
            if crlf && byte == UInt8(ascii: "\n") && prefixBytes.last != UInt8(ascii: "\r") {
                prefixBytes.append(UInt8(ascii: "\r"))
            }
            prefixBytes.append(byte)
        }
        let headerExtra = header.reduce(0) { $0 + $1.utf8.count - Self.measure($1).width }
        // Every line is a border's width in columns; cells with multi-byte characters take more bytes than columns.
        let size = prefixBytes.count + border.count * (rows.count + 4) + headerExtra + measurements.extraBytes
        return RenderPlan(
            rows: rows, columnCount: columnCount, header: header, widths: widths,
            cellWidths: measurements.cellWidths, replaced: measurements.replaced,
            rightAligned: columns.map { $0.alignment.isRight }, border: border, lineEnd: lineEnd,
            prefix: prefixBytes, size: size)
    }

    /// A table measured for rendering (``renderPlan(prefix:crlf:)``).
    struct RenderPlan {
        let rows: [[String]]
        let columnCount: Int
        let header: [String]
        let widths: [Int]
        let cellWidths: [Int]
        let replaced: [Int: String]
        let rightAligned: [Bool]
        let border: [UInt8]
        let lineEnd: [UInt8]
        let prefix: [UInt8]
        /// The rendered size in bytes.
        let size: Int

        /// Writes the table into `buffer` (at least ``size`` bytes); returns the bytes written.
        func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
            // Built as bytes in the destination's own storage: several times faster than String concatenation,
            // and no intermediate copy.
            var output = ByteWriter(buffer)
            output.append(prefix)
            output.append(border)
            output.append(UInt8(ascii: "|"))
            for (index, title) in header.enumerated() {
                output.appendCell(title, width: ConsoleTable.measure(title).width, columnWidth: widths[index], right: false)
            }
            output.append(lineEnd)
            output.append(border)
            for (rowIndex, row) in rows.enumerated() {
                output.append(UInt8(ascii: "|"))
                for index in 0..<columnCount {
                    let slot = rowIndex * columnCount + index
                    let cell = index < row.count ? (replaced.isEmpty ? row[index] : replaced[slot] ?? row[index]) : ""
                    output.appendCell(cell, width: cellWidths[slot], columnWidth: widths[index], right: rightAligned[index])
                }
                output.append(lineEnd)
            }
            output.append(border)
            return output.count
        }
    }

    /// Writes into a buffer sized beforehand (``rendered(prefix:)`` computes the exact size).
    private struct ByteWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        private(set) var count = 0

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

        mutating func append(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func append(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { append($0) }
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(count + bytes.count <= buffer.count, "ConsoleTable: rendered size miscounted")
            (buffer.baseAddress! + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        mutating func append(_ string: String) {
            var string = string
            string.withUTF8 { append($0) }
        }

        mutating func appendSpaces(_ spaces: Int) {
            guard spaces > 0 else { return }
            precondition(count + spaces <= buffer.count, "ConsoleTable: rendered size miscounted")
            (buffer.baseAddress! + count).initialize(repeating: UInt8(ascii: " "), count: spaces)
            count += spaces
        }

        mutating func appendCell(_ cell: String, width: Int, columnWidth: Int, right: Bool) {
            append(UInt8(ascii: " "))
            if right { appendSpaces(columnWidth - width) }
            append(cell)
            if !right { appendSpaces(columnWidth - width) }
            append(UInt8(ascii: " "))
            append(UInt8(ascii: "|"))
        }
    }

    /// The rows as a JSON array of objects keyed by each column's ``Column/key``.
    ///
    /// ```swift
    /// ConsoleTable(columns: ["Task ID"], rows: [["7"]]).jsonRows().rendered()   // [{"task_id":"7"}]
    /// ```
    public func jsonRows() -> JSONValue {
        .array(
            rows.map { row in
                .object(columns.enumerated().map { index, column in
                    JSONValue.Member(column.key, .string(index < row.count ? row[index] : ""))
                })
            }
        )
    }

    /// A cell's width in terminal columns and whether it is free of control characters, in one pass:
    /// bytes for ASCII (the common, fast case), characters otherwise.
    static func measure(_ cell: String) -> (width: Int, isClean: Bool) {
        // The contiguous bytes of a native string scan several times faster than its UTF-8 view, and eight at a
        // time faster still (a 10,000-row `ps` measures 80,000 cells).
        let scanned = cell.utf8.withContiguousStorageIfAvailable { scanWords($0) } ?? scanBytes(cell.utf8)
        return (scanned.isASCII ? scanned.count : cell.count, scanned.isClean)
    }

    private static func scanBytes<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> (count: Int, isASCII: Bool, isClean: Bool) {
        var isASCII = true
        var isClean = true
        var count = 0
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F { isClean = false }
            if byte >= 0x80 { isASCII = false }
            count += 1
        }
        return (count, isASCII, isClean)
    }

    /// ``scanBytes(_:)`` eight bytes at a time: a word is ASCII when no byte has its high bit set; among ASCII
    /// bytes, one below 0x20 or equal to 0x7F is found with the usual "has a byte less than n" bit trick.
    private static func scanWords(_ bytes: UnsafeBufferPointer<UInt8>) -> (count: Int, isASCII: Bool, isClean: Bool) {
        guard let base = bytes.baseAddress else { return (0, true, true) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var isClean = true
        var offset = 0
        let raw = UnsafeRawPointer(base)
        while offset + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            // A non-ASCII byte: the cell is counted in characters and checked byte by byte (rare).
            if word & highs != 0 { return scanBytes(bytes) }
            // ASCII bytes: below 0x20 when word - 0x20 borrows into the high bit; 0x7F when word ^ 0x7F is 0.
            let below = (word &- ones &* 0x20) & ~word & highs
            let flipped = word ^ (ones &* 0x7F)
            let deletes = (flipped &- ones) & ~flipped & highs
            if below | deletes != 0 { isClean = false }
            offset += 8
        }
        let tail = scanBytes(UnsafeBufferPointer(rebasing: bytes[offset...]))
        return (bytes.count, tail.isASCII, isClean && tail.isClean)
    }

    static func sanitized(_ cell: String) -> String {
        guard cell.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return cell }
        return String(String.UnicodeScalarView(cell.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
