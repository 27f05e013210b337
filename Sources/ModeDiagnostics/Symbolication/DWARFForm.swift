/// The DWARF 4 and 5 attribute forms swift-mode reads (DWARF 5 section 7.5.6), the attributes and tags it
/// looks at, and the reading or skipping of one attribute value.
enum DWARFForm {
    static let addr: UInt64 = 0x01, block2: UInt64 = 0x03, block4: UInt64 = 0x04, data2: UInt64 = 0x05
    static let data4: UInt64 = 0x06, data8: UInt64 = 0x07, string: UInt64 = 0x08, block: UInt64 = 0x09
    static let block1: UInt64 = 0x0a, data1: UInt64 = 0x0b, flag: UInt64 = 0x0c, sdata: UInt64 = 0x0d
    static let strp: UInt64 = 0x0e, udata: UInt64 = 0x0f, refAddr: UInt64 = 0x10, ref1: UInt64 = 0x11
    static let ref2: UInt64 = 0x12, ref4: UInt64 = 0x13, ref8: UInt64 = 0x14, refUdata: UInt64 = 0x15
    static let indirect: UInt64 = 0x16, secOffset: UInt64 = 0x17, exprloc: UInt64 = 0x18
    static let flagPresent: UInt64 = 0x19, strx: UInt64 = 0x1a, addrx: UInt64 = 0x1b, refSup4: UInt64 = 0x1c
    static let strpSup: UInt64 = 0x1d, data16: UInt64 = 0x1e, lineStrp: UInt64 = 0x1f, refSig8: UInt64 = 0x20
    static let implicitConst: UInt64 = 0x21, loclistx: UInt64 = 0x22, rnglistx: UInt64 = 0x23
    static let refSup8: UInt64 = 0x24, strx1: UInt64 = 0x25, strx2: UInt64 = 0x26, strx3: UInt64 = 0x27
    static let strx4: UInt64 = 0x28, addrx1: UInt64 = 0x29, addrx2: UInt64 = 0x2a, addrx3: UInt64 = 0x2b
    static let addrx4: UInt64 = 0x2c, gnuAddrIndex: UInt64 = 0x1f01, gnuStrIndex: UInt64 = 0x1f02
    static let gnuRefAlt: UInt64 = 0x1f20, gnuStrpAlt: UInt64 = 0x1f21
}

enum DWARFAttribute {
    static let name: UInt64 = 0x03, stmtList: UInt64 = 0x10, lowPC: UInt64 = 0x11, highPC: UInt64 = 0x12
    static let compDir: UInt64 = 0x1b, abstractOrigin: UInt64 = 0x31, specification: UInt64 = 0x47
    static let ranges: UInt64 = 0x55, callColumn: UInt64 = 0x57, callFile: UInt64 = 0x58
    static let callLine: UInt64 = 0x59, linkageName: UInt64 = 0x6e, strOffsetsBase: UInt64 = 0x72
    static let addrBase: UInt64 = 0x73, rnglistsBase: UInt64 = 0x74, mipsLinkageName: UInt64 = 0x2007
    static let gnuRangesBase: UInt64 = 0x2132, gnuAddrBase: UInt64 = 0x2133
}

enum DWARFTag {
    static let inlinedSubroutine: UInt64 = 0x1d, compileUnit: UInt64 = 0x11, subprogram: UInt64 = 0x2e
    static let partialUnit: UInt64 = 0x3c
}

/// One attribute value as read, before indexes into `.debug_addr`/`.debug_str_offsets` are resolved.
enum DWARFValue {
    case unsigned(UInt64)
    case signed(Int64)
    case address(UInt64)
    case addressIndex(UInt64)
    /// An offset in `.debug_info` (unit-relative references already made absolute).
    case reference(UInt64)
    case string(String)
    case stringOffset(UInt64)
    case lineStringOffset(UInt64)
    case stringIndex(UInt64)
    case sectionOffset(UInt64)
    case rangeListIndex(UInt64)
    case other

    /// The value as an unsigned constant (or section offset: DWARF 3 uses `data4` for those).
    var unsigned: UInt64? {
        switch self {
        case .unsigned(let value), .sectionOffset(let value): value
        case .signed(let value): value >= 0 ? UInt64(value) : nil
        default: nil
        }
    }
}

extension DWARFUnit {
    /// Reads one value of `form` (following `DW_FORM_indirect`).
    func value(form: UInt64, constant: Int64, cursor: inout ByteCursor) throws -> DWARFValue {
        switch form {
        case DWARFForm.addr: return .address(try cursor.unsigned(size: addressSize))
        case DWARFForm.data1: return .unsigned(UInt64(try cursor.u8()))
        case DWARFForm.data2: return .unsigned(try cursor.u16())
        case DWARFForm.data4: return .unsigned(try cursor.u32())
        case DWARFForm.data8: return .unsigned(try cursor.u64())
        case DWARFForm.sdata: return .signed(try cursor.sleb())
        case DWARFForm.udata: return .unsigned(try cursor.uleb())
        case DWARFForm.implicitConst: return .signed(constant)
        case DWARFForm.flag: return .unsigned(UInt64(try cursor.u8()))
        case DWARFForm.flagPresent: return .unsigned(1)
        case DWARFForm.string: return .string(try cursor.cString())
        case DWARFForm.strp: return .stringOffset(try sectionOffset(&cursor))
        case DWARFForm.lineStrp: return .lineStringOffset(try sectionOffset(&cursor))
        case DWARFForm.strx, DWARFForm.gnuStrIndex: return .stringIndex(try cursor.uleb())
        case DWARFForm.strx1: return .stringIndex(UInt64(try cursor.u8()))
        case DWARFForm.strx2: return .stringIndex(try cursor.u16())
        case DWARFForm.strx3: return .stringIndex(try cursor.unsigned(size: 3))
        case DWARFForm.strx4: return .stringIndex(try cursor.u32())
        case DWARFForm.addrx, DWARFForm.gnuAddrIndex: return .addressIndex(try cursor.uleb())
        case DWARFForm.addrx1: return .addressIndex(UInt64(try cursor.u8()))
        case DWARFForm.addrx2: return .addressIndex(try cursor.u16())
        case DWARFForm.addrx3: return .addressIndex(try cursor.unsigned(size: 3))
        case DWARFForm.addrx4: return .addressIndex(try cursor.u32())
        case DWARFForm.ref1: return .reference(offset + UInt64(try cursor.u8()))
        case DWARFForm.ref2: return .reference(offset + (try cursor.u16()))
        case DWARFForm.ref4: return .reference(offset + (try cursor.u32()))
        case DWARFForm.ref8: return .reference(offset &+ (try cursor.u64()))
        case DWARFForm.refUdata: return .reference(offset &+ (try cursor.uleb()))
        case DWARFForm.refAddr:
            return .reference(version <= 2 ? try cursor.unsigned(size: addressSize) : try sectionOffset(&cursor))
        case DWARFForm.secOffset: return .sectionOffset(try sectionOffset(&cursor))
        case DWARFForm.rnglistx: return .rangeListIndex(try cursor.uleb())
        case DWARFForm.indirect:
            let actual = try cursor.uleb()
            guard actual != DWARFForm.indirect else { throw SymbolicationError.malformed }
            return try value(form: actual, constant: constant, cursor: &cursor)
        default:
            try skip(form: form, cursor: &cursor)
            return .other
        }
    }

    /// Reads the attributes of one DIE (its abbreviation already read): the values of the attributes in
    /// `wanted` (all when `nil`), the others skipped.
    func attributes(
        _ abbreviation: DWARFAbbreviations.Abbreviation, wanted: Set<UInt64>? = nil, cursor: inout ByteCursor
    ) throws -> [UInt64: DWARFValue] {
        var values: [UInt64: DWARFValue] = [:]
        for attribute in abbreviation.attributes {
            if wanted?.contains(attribute.name) ?? true {
                values[attribute.name] = try value(form: attribute.form, constant: attribute.constant, cursor: &cursor)
            } else {
                try skip(form: attribute.form, cursor: &cursor)
            }
        }
        return values
    }

    /// Skips one value of `form` without decoding it.
    func skip(form: UInt64, cursor: inout ByteCursor) throws {
        switch form {
        case DWARFForm.addr: try cursor.skip(UInt64(addressSize))
        case DWARFForm.data1, DWARFForm.ref1, DWARFForm.flag, DWARFForm.strx1, DWARFForm.addrx1: try cursor.skip(1)
        case DWARFForm.data2, DWARFForm.ref2, DWARFForm.strx2, DWARFForm.addrx2: try cursor.skip(2)
        case DWARFForm.strx3, DWARFForm.addrx3: try cursor.skip(3)
        case DWARFForm.data4, DWARFForm.ref4, DWARFForm.refSup4, DWARFForm.strx4, DWARFForm.addrx4: try cursor.skip(4)
        case DWARFForm.data8, DWARFForm.ref8, DWARFForm.refSig8, DWARFForm.refSup8: try cursor.skip(8)
        case DWARFForm.data16: try cursor.skip(16)
        case DWARFForm.sdata: _ = try cursor.sleb()
        case DWARFForm.udata, DWARFForm.refUdata, DWARFForm.strx, DWARFForm.addrx, DWARFForm.loclistx,
            DWARFForm.rnglistx, DWARFForm.gnuAddrIndex, DWARFForm.gnuStrIndex:
            _ = try cursor.uleb()
        case DWARFForm.string:
            guard let end = cursor.bytes[min(cursor.position, cursor.bytes.count)...].firstIndex(of: 0) else {
                throw SymbolicationError.truncated
            }
            cursor.position = end + 1
        case DWARFForm.strp, DWARFForm.lineStrp, DWARFForm.secOffset, DWARFForm.strpSup, DWARFForm.gnuRefAlt,
            DWARFForm.gnuStrpAlt:
            try cursor.skip(isDWARF64 ? 8 : 4)
        case DWARFForm.refAddr: try cursor.skip(version <= 2 ? UInt64(addressSize) : (isDWARF64 ? 8 : 4))
        case DWARFForm.block1: try cursor.skip(UInt64(try cursor.u8()))
        case DWARFForm.block2: try cursor.skip(try cursor.u16())
        case DWARFForm.block4: try cursor.skip(try cursor.u32())
        case DWARFForm.block, DWARFForm.exprloc: try cursor.skip(try cursor.uleb())
        case DWARFForm.flagPresent, DWARFForm.implicitConst: break
        case DWARFForm.indirect:
            let actual = try cursor.uleb()
            guard actual != DWARFForm.indirect else { throw SymbolicationError.malformed }
            try skip(form: actual, cursor: &cursor)
        default: throw SymbolicationError.malformed
        }
    }

    private func sectionOffset(_ cursor: inout ByteCursor) throws -> UInt64 {
        try cursor.unsigned(size: isDWARF64 ? 8 : 4)
    }
}
