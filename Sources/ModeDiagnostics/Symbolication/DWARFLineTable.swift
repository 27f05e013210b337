/// One compilation unit's line program (`.debug_line`, DWARF 2 to 5), run once and kept as sorted rows.
///
/// An address maps to the last row at or below it in the sequence that contains it, as in the toolchain's
/// `Runtime` (a row covers the addresses up to the next row's). File names are joined with their directory
/// the way `Runtime` does it: absolute names as they are, others as `directory/name`; for DWARF 4 and
/// earlier, file 0 is the unit's own name in its compilation directory.
struct DWARFLineTable {
    struct Row {
        var address: UInt64
        var file: UInt32
        var line: UInt32
        var column: UInt32
    }

    struct Sequence {
        var start: UInt64
        var end: UInt64
        var rows: Range<Int>
    }

    private(set) var files: [String] = []
    private var rows: [Row] = []
    private var sequences: [Sequence] = []

    /// The address ranges the program's sequences cover (to index a unit that names no ranges itself).
    var coveredRanges: [Range<UInt64>] { sequences.map { $0.start..<$0.end } }

    /// Rows held (for the cache's bound).
    var rowCount: Int { rows.count }

    /// Runs the line program at `offset` in `.debug_line` for `unit`.
    init(sections: DWARFSections, offset: UInt64, unit: DWARFUnit) throws {
        guard let section = sections.line else { throw SymbolicationError.truncated }
        var lengthCursor = ByteCursor(try sections.file.read(section, offset: offset, count: 12))
        let (length, isDWARF64) = try lengthCursor.initialLength()
        guard length <= section.size else { throw SymbolicationError.truncated }
        let bytes = try sections.file.read(section, offset: offset, count: lengthCursor.position + Int(length))
        guard bytes.count == lengthCursor.position + Int(length) else { throw SymbolicationError.truncated }
        var cursor = ByteCursor(bytes, at: lengthCursor.position)
        let header = try Header(cursor: &cursor, isDWARF64: isDWARF64, unit: unit, sections: sections)
        files = header.filePaths()
        run(&cursor, header: header)
        sequences.sort { $0.start < $1.start }
    }

    /// The file, line and column of `address`, or `nil` when no sequence covers it.
    func location(of address: UInt64) -> (file: String, line: Int, column: Int)? {
        let low = sequences.partitioningIndex { $0.start > address }
        // Overlapping sequences (rare): look back for one that covers the address.
        var candidate = low - 1
        while candidate >= 0, !(sequences[candidate].start..<sequences[candidate].end).contains(address) {
            if low - candidate > 8 { return nil }
            candidate -= 1
        }
        guard candidate >= 0 else { return nil }
        let range = sequences[candidate].rows
        let first = rows[range].partitioningIndex { $0.address > address }
        guard first > range.lowerBound else { return nil }
        let row = rows[first - 1]
        return (path(ofFile: Int(row.file)), Int(row.line), Int(row.column))
    }

    /// The joined path of file `index` ("<unknown>" when out of range, like `Runtime`).
    func path(ofFile index: Int) -> String {
        index >= 0 && index < files.count ? files[index] : "<unknown>"
    }

    private struct Header {
        var version: Int
        var minimumInstructionLength: UInt64
        var maximumOperations: UInt64
        var lineBase: Int64
        var lineRange: UInt64
        var opcodeBase: UInt8
        var opcodeLengths: [UInt8]
        var directories: [String]
        var files: [(path: String, directory: Int)]
        var programEnd: Int

        init(cursor: inout ByteCursor, isDWARF64: Bool, unit: DWARFUnit, sections: DWARFSections) throws {
            let offsetSize = isDWARF64 ? 8 : 4
            version = Int(try cursor.u16())
            guard (2...5).contains(version) else { throw SymbolicationError.malformed }
            if version >= 5 {
                _ = try cursor.u8()  // address_size (DW_LNE_set_address carries its own length)
                _ = try cursor.u8()  // segment_selector_size
            }
            let headerLength = try cursor.unsigned(size: offsetSize)
            guard headerLength <= UInt64(cursor.remaining) else { throw SymbolicationError.truncated }
            let programStart = cursor.position + Int(headerLength)
            programEnd = cursor.bytes.count
            minimumInstructionLength = UInt64(try cursor.u8())
            maximumOperations = version >= 4 ? UInt64(max(1, try cursor.u8())) : 1
            _ = try cursor.u8()  // default_is_stmt: every row counts for a lookup
            lineBase = Int64(Int8(bitPattern: try cursor.u8()))
            lineRange = UInt64(try cursor.u8())
            guard lineRange > 0 else { throw SymbolicationError.malformed }
            opcodeBase = try cursor.u8()
            opcodeLengths = []
            for _ in 1..<max(1, Int(opcodeBase)) { opcodeLengths.append(try cursor.u8()) }
            if version >= 5 {
                directories = try Self.entries(&cursor, unit: unit, sections: sections, offsetSize: offsetSize).map(\.path)
                files = try Self.entries(&cursor, unit: unit, sections: sections, offsetSize: offsetSize)
            } else {
                directories = [unit.compDir ?? "."]
                while true {
                    let directory = try cursor.cString()
                    if directory.isEmpty { break }
                    directories.append(directory)
                }
                files = [(unit.name ?? "<unknown>", 0)]
                while true {
                    let name = try cursor.cString()
                    if name.isEmpty { break }
                    let directory = try cursor.uleb()
                    _ = try cursor.uleb()  // modification time
                    _ = try cursor.uleb()  // length
                    files.append((name, Int(clamping: directory)))
                }
            }
            cursor.position = programStart
        }

        /// DWARF 5 directory or file entries, described by their format list.
        private static func entries(
            _ cursor: inout ByteCursor, unit: DWARFUnit, sections: DWARFSections, offsetSize: Int
        ) throws -> [(path: String, directory: Int)] {
            var format: [(content: UInt64, form: UInt64)] = []
            for _ in 0..<Int(try cursor.u8()) { format.append((try cursor.uleb(), try cursor.uleb())) }
            let count = try cursor.uleb()
            guard count < 1_000_000 else { throw SymbolicationError.malformed }
            var lineUnit = unit
            lineUnit.isDWARF64 = offsetSize == 8
            var result: [(path: String, directory: Int)] = []
            for _ in 0..<count {
                var path = "<unknown>"
                var directory = 0
                for (content, form) in format {
                    let value = try lineUnit.value(form: form, constant: 0, cursor: &cursor)
                    switch content {
                    case 1: path = sections.string(value, unit: lineUnit) ?? path  // DW_LNCT_path
                    case 2: directory = Int(clamping: value.unsigned ?? 0)  // DW_LNCT_directory_index
                    default: break
                    }
                }
                result.append((path, directory))
            }
            return result
        }

        func filePaths() -> [String] {
            files.map { file in
                if file.path.hasPrefix("/") { return file.path }
                let directory = file.directory < directories.count ? directories[file.directory] : "<unknown>"
                return "\(directory)/\(file.path)"
            }
        }
    }

    /// Runs the program; a malformed or truncated program keeps the sequences completed before the fault.
    private mutating func run(_ cursor: inout ByteCursor, header: Header) {
        var address: UInt64 = 0
        var operation: UInt64 = 0
        var file: UInt32 = 1
        var line: Int64 = 1
        var column: UInt32 = 0
        var sequenceStart = rows.count

        func advance(_ operations: UInt64) {
            let total = operation &+ operations
            address &+= header.minimumInstructionLength &* (total / header.maximumOperations)
            operation = total % header.maximumOperations
        }
        func emit() {
            rows.append(Row(address: address, file: file, line: UInt32(clamping: line), column: column))
        }

        program: while cursor.position < header.programEnd {
            guard let opcode = try? cursor.u8() else { break }
            if opcode >= header.opcodeBase {
                let adjusted = UInt64(opcode - header.opcodeBase)
                advance(adjusted / header.lineRange)
                line &+= header.lineBase &+ Int64(adjusted % header.lineRange)
                emit()
                continue
            }
            do {
            switch opcode {
            case 0:  // extended
                let length = try cursor.uleb()
                guard length > 0, length <= UInt64(cursor.remaining) else { throw SymbolicationError.truncated }
                let next = cursor.position + Int(length)
                switch try cursor.u8() {
                case 1:  // DW_LNE_end_sequence
                    if rows.count > sequenceStart {
                        let start = rows[sequenceStart].address
                        if address > start {
                            sequences.append(Sequence(start: start, end: address, rows: sequenceStart..<rows.count))
                        } else {
                            rows.removeSubrange(sequenceStart...)
                        }
                    }
                    sequenceStart = rows.count
                    address = 0
                    operation = 0
                    file = 1
                    line = 1
                    column = 0
                case 2:  // DW_LNE_set_address
                    address = try cursor.unsigned(size: min(8, Int(length) - 1))
                    operation = 0
                default: break  // define_file, set_discriminator, vendor: not needed
                }
                cursor.position = next
            case 1: emit()  // DW_LNS_copy
            case 2: advance(try cursor.uleb())  // DW_LNS_advance_pc
            case 3: line &+= try cursor.sleb()  // DW_LNS_advance_line
            case 4: file = UInt32(clamping: try cursor.uleb())  // DW_LNS_set_file
            case 5: column = UInt32(clamping: try cursor.uleb())  // DW_LNS_set_column
            case 6, 7, 10, 11: break  // negate_stmt, set_basic_block, set_prologue_end, set_epilogue_begin
            case 8: advance((255 - UInt64(header.opcodeBase)) / header.lineRange)  // DW_LNS_const_add_pc
            case 9:  // DW_LNS_fixed_advance_pc
                address &+= try cursor.u16()
                operation = 0
            default:
                let index = Int(opcode) - 1
                let count = index < header.opcodeLengths.count ? header.opcodeLengths[index] : 0
                for _ in 0..<count { _ = try cursor.uleb() }
            }
            } catch {
                break program
            }
        }
        // A program cut short keeps the sequences it completed.
        rows.removeSubrange(sequenceStart...)
    }
}
