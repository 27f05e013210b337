/// A compilation unit's header in `.debug_info` (DWARF 2 to 5, 32- or 64-bit) and what its top DIE says:
/// the address ranges it covers, its line program and the bases its indexed forms are relative to.
struct DWARFUnit {
    /// Offset of the unit header in `.debug_info`.
    var offset: UInt64
    var version: Int
    var isDWARF64: Bool
    var addressSize: Int
    var abbreviationOffset: UInt64
    /// Offset of the top DIE in `.debug_info`.
    var dieOffset: UInt64
    /// One past the unit's last byte in `.debug_info`.
    var end: UInt64

    var lowPC: UInt64?
    var stmtList: UInt64?
    var name: String?
    var compDir: String?
    var strOffsetsBase: UInt64?
    var addrBase: UInt64?
    var rnglistsBase: UInt64?
    /// The address ranges of the unit (from `DW_AT_low_pc`/`DW_AT_high_pc` or `DW_AT_ranges`).
    var ranges: [Range<UInt64>] = []

    /// Reads the unit header at `offset` from `bytes` (the first bytes of the unit); `nil` for a unit swift-mode
    /// does not read (type units, split units).
    static func header(_ bytes: [UInt8], at offset: UInt64) throws -> DWARFUnit? {
        var cursor = ByteCursor(bytes)
        let (length, isDWARF64) = try cursor.initialLength()
        let (end, overflow) = (offset + UInt64(cursor.position)).addingReportingOverflow(length)
        guard !overflow else { throw SymbolicationError.malformed }
        let version = Int(try cursor.u16())
        guard (2...5).contains(version) else { throw SymbolicationError.malformed }
        var unitType: UInt8 = 1  // DW_UT_compile
        let addressSize: Int
        let abbreviationOffset: UInt64
        if version >= 5 {
            unitType = try cursor.u8()
            addressSize = Int(try cursor.u8())
            abbreviationOffset = try cursor.unsigned(size: isDWARF64 ? 8 : 4)
        } else {
            abbreviationOffset = try cursor.unsigned(size: isDWARF64 ? 8 : 4)
            addressSize = Int(try cursor.u8())
        }
        guard addressSize == 4 || addressSize == 8, end >= offset + UInt64(cursor.position) else {
            throw SymbolicationError.malformed
        }
        // Only full and partial units hold code; skeleton/split/type units are skipped.
        guard unitType == 1 || unitType == 3 else { return nil }
        return DWARFUnit(
            offset: offset, version: version, isDWARF64: isDWARF64, addressSize: addressSize,
            abbreviationOffset: abbreviationOffset, dieOffset: offset + UInt64(cursor.position), end: end)
    }
}
