/// The DWARF sections of one ELF file, and the small reads that resolve indexed and offset forms: strings
/// (`.debug_str`, `.debug_line_str`, `.debug_str_offsets`), addresses (`.debug_addr`) and range lists
/// (`.debug_ranges` for DWARF 4, `.debug_rnglists` for DWARF 5). Each read fetches only the bytes it needs.
struct DWARFSections {
    let file: ELFFile
    let info: ELFFile.Section
    let abbrev: ELFFile.Section
    let line: ELFFile.Section?
    let str: ELFFile.Section?
    let lineStr: ELFFile.Section?
    let strOffsets: ELFFile.Section?
    let addr: ELFFile.Section?
    let ranges: ELFFile.Section?
    let rnglists: ELFFile.Section?

    /// `nil` when the file has no (uncompressed) `.debug_info` and `.debug_abbrev`.
    init?(file: ELFFile) {
        guard let info = file.section(named: ".debug_info"), let abbrev = file.section(named: ".debug_abbrev") else {
            return nil
        }
        self.file = file
        self.info = info
        self.abbrev = abbrev
        line = file.section(named: ".debug_line")
        str = file.section(named: ".debug_str")
        lineStr = file.section(named: ".debug_line_str")
        strOffsets = file.section(named: ".debug_str_offsets")
        addr = file.section(named: ".debug_addr")
        ranges = file.section(named: ".debug_ranges")
        rnglists = file.section(named: ".debug_rnglists")
    }

    func string(_ value: DWARFValue?, unit: DWARFUnit) -> String? {
        switch value {
        case .string(let string): return string
        case .stringOffset(let offset): return str.flatMap { try? file.string(in: $0, at: offset) }
        case .lineStringOffset(let offset): return lineStr.flatMap { try? file.string(in: $0, at: offset) }
        case .stringIndex(let index):
            guard let strOffsets, let str else { return nil }
            let size = unit.isDWARF64 ? 8 : 4
            // DWARF 5 units name their base; GNU split-DWARF 4 tables start after no header.
            let base = unit.strOffsetsBase ?? (unit.version >= 5 ? 8 : 0)
            guard let bytes = try? file.read(strOffsets, offset: base &+ index &* UInt64(size), count: size),
                bytes.count == size
            else { return nil }
            var cursor = ByteCursor(bytes)
            guard let offset = try? cursor.unsigned(size: size) else { return nil }
            return try? file.string(in: str, at: offset)
        default: return nil
        }
    }

    func address(_ value: DWARFValue?, unit: DWARFUnit) -> UInt64? {
        switch value {
        case .address(let address): return address
        case .addressIndex(let index):
            guard let addr else { return nil }
            let base = unit.addrBase ?? 8
            guard let bytes = try? file.read(addr, offset: base &+ index &* UInt64(unit.addressSize), count: unit.addressSize),
                bytes.count == unit.addressSize
            else { return nil }
            var cursor = ByteCursor(bytes)
            return try? cursor.unsigned(size: unit.addressSize)
        default: return nil
        }
    }

    /// The ranges of a DIE: `DW_AT_low_pc` with `DW_AT_high_pc` (an address or a length), else `DW_AT_ranges`.
    func ranges(
        lowPC: DWARFValue?, highPC: DWARFValue?, ranges value: DWARFValue?, unit: DWARFUnit
    ) -> [Range<UInt64>] {
        if let low = address(lowPC, unit: unit), let highPC {
            let high: UInt64?
            switch highPC {
            case .address, .addressIndex: high = address(highPC, unit: unit)
            default: high = highPC.unsigned.map { low &+ $0 }
            }
            if let high, high > low { return [low..<high] }
            return []
        }
        guard let value else { return [] }
        if unit.version >= 5 {
            return (try? rangeList(value, unit: unit)) ?? []
        }
        guard let offset = value.unsigned else { return [] }
        return (try? rangeListV4(offset, unit: unit)) ?? []
    }

    /// A `.debug_ranges` list: (begin, end) pairs relative to the base (the unit's low_pc), a base-address
    /// selection entry, or (0, 0) at the end.
    private func rangeListV4(_ offset: UInt64, unit: DWARFUnit) throws -> [Range<UInt64>] {
        guard let ranges else { return [] }
        let size = unit.addressSize
        let maximum: UInt64 = size == 8 ? .max : 0xffff_ffff
        var base = unit.lowPC ?? 0
        var result: [Range<UInt64>] = []
        var position = offset
        while true {
            var cursor = ByteCursor(try file.read(ranges, offset: position, count: 4096))
            while cursor.remaining >= 2 * size {
                let begin = try cursor.unsigned(size: size)
                let end = try cursor.unsigned(size: size)
                if begin == 0 && end == 0 { return result }
                if begin == maximum {
                    base = end
                } else {
                    Self.append(base &+ begin, base &+ end, to: &result)
                }
                guard result.count < 100_000 else { return result }
            }
            guard cursor.bytes.count == 4096 else { return result }
            position += UInt64(cursor.position)
        }
    }

    /// A `.debug_rnglists` list (DWARF 5), by offset or by `DW_FORM_rnglistx` index.
    private func rangeList(_ value: DWARFValue, unit: DWARFUnit) throws -> [Range<UInt64>] {
        guard let rnglists else { return [] }
        let offset: UInt64
        switch value {
        case .rangeListIndex(let index):
            let size = unit.isDWARF64 ? 8 : 4
            let base = unit.rnglistsBase ?? (unit.isDWARF64 ? 20 : 12)
            var cursor = ByteCursor(try file.read(rnglists, offset: base &+ index &* UInt64(size), count: size))
            offset = base &+ (try cursor.unsigned(size: size))
        default:
            guard let plain = value.unsigned else { return [] }
            offset = plain
        }
        var cursor = ByteCursor(try file.read(rnglists, offset: offset, count: 65_536))
        var base = unit.lowPC ?? 0
        var result: [Range<UInt64>] = []
        func indexed(_ index: UInt64) -> UInt64 { address(.addressIndex(index), unit: unit) ?? 0 }
        while result.count < 100_000 {
            switch try cursor.u8() {
            case 0: return result  // DW_RLE_end_of_list
            case 1: base = indexed(try cursor.uleb())  // DW_RLE_base_addressx
            case 2:  // DW_RLE_startx_endx
                let start = indexed(try cursor.uleb())
                let end = indexed(try cursor.uleb())
                Self.append(start, end, to: &result)
            case 3:  // DW_RLE_startx_length
                let start = indexed(try cursor.uleb())
                let length = try cursor.uleb()
                Self.append(start, start &+ length, to: &result)
            case 4:  // DW_RLE_offset_pair
                let start = try cursor.uleb()
                let end = try cursor.uleb()
                Self.append(base &+ start, base &+ end, to: &result)
            case 5: base = try cursor.unsigned(size: unit.addressSize)  // DW_RLE_base_address
            case 6:  // DW_RLE_start_end
                let start = try cursor.unsigned(size: unit.addressSize)
                let end = try cursor.unsigned(size: unit.addressSize)
                Self.append(start, end, to: &result)
            case 7:  // DW_RLE_start_length
                let start = try cursor.unsigned(size: unit.addressSize)
                let length = try cursor.uleb()
                Self.append(start, start &+ length, to: &result)
            default: throw SymbolicationError.malformed
            }
        }
        return result
    }

    /// Appends `low..<high` when it is not empty (a wrapped or reversed pair from corrupt input is dropped).
    private static func append(_ low: UInt64, _ high: UInt64, to ranges: inout [Range<UInt64>]) {
        if high > low { ranges.append(low..<high) }
    }
}
