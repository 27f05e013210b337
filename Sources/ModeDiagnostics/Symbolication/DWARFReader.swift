/// The debug info of one ELF image: an index of its compilation units' address ranges built once, and for the
/// units that addresses fall in, their line table and inlined-scope tree, decoded once and kept in a bounded
/// cache.
///
/// Unit ranges come from each unit's top DIE (`DW_AT_low_pc`/`DW_AT_high_pc`/`DW_AT_ranges`; a unit naming
/// none is indexed by its line program's sequences). `.debug_aranges` is not needed: swiftc and clang no
/// longer emit it by default.
struct DWARFReader {
    /// An inlined frame: the inlined function's linkage (or plain) name, and where it was called from.
    struct InlinedCall {
        var rawName: String?
        var file: String
        var line: Int
        var column: Int
    }

    private struct UnitTables {
        var abbreviations: DWARFAbbreviations
        var lines: DWARFLineTable?
        var scopes: DWARFInlineScopes
        var lastUse: Int
        var weight: Int { (lines?.rowCount ?? 0) + scopes.count * 2 }
    }

    private struct UnitRange {
        var low: UInt64
        var high: UInt64
        var unit: Int32
    }

    /// Units kept decoded at most, and rows (line rows plus scopes) kept at most, whichever is reached first.
    static let unitLimit = 24
    static let weightLimit = 400_000

    private let sections: DWARFSections
    private(set) var units: [DWARFUnit] = []
    private var unitRanges: [UnitRange] = []
    private var tables: [Int: UnitTables] = [:]
    private var uses = 0
    private var originNames: [UInt64: String?] = [:]

    /// Indexes the units of `file`; `nil` when it has no usable debug info.
    init?(file: ELFFile) {
        guard let sections = DWARFSections(file: file) else { return nil }
        self.sections = sections
        indexUnits()
        if units.isEmpty { return nil }
    }

    /// Units indexed and units decoded now (for tests and measurements).
    var statistics: (units: Int, decoded: Int) { (units.count, tables.count) }

    /// The source location of `address` and, when `inlined`, the inlined calls that contain it, innermost
    /// first.
    mutating func lookUp(_ address: UInt64, inlined: Bool) -> (location: (file: String, line: Int, column: Int)?, calls: [InlinedCall]) {
        guard let unitIndex = unit(containing: address), let unitTables = tables(for: unitIndex) else { return (nil, []) }
        let location = unitTables.lines?.location(of: address)
        guard inlined else { return (location, []) }
        var calls: [InlinedCall] = []
        for scope in unitTables.scopes.chain(at: address) {
            // `Runtime` drops a scope whose origin is not a function; so does this reader.
            guard let name = originName(scope.origin) else { continue }
            calls.append(
                InlinedCall(
                    rawName: name, file: unitTables.lines?.path(ofFile: Int(scope.callFile)) ?? "<unknown>",
                    line: Int(scope.callLine), column: Int(scope.callColumn)))
        }
        return (location, calls)
    }

    /// Addresses inside inlined calls (calls inlined into inlined calls when `nested`), a few from each unit
    /// in turn (for tests that need them).
    mutating func inlinedAddresses(limit: Int, nested: Bool = false) -> [UInt64] {
        var addresses: [UInt64] = []
        for index in units.indices where addresses.count < limit {
            addresses += tables(for: index)?.scopes.sampleAddresses(limit: 3, nested: nested) ?? []
        }
        return Array(addresses.prefix(limit))
    }

    // MARK: Unit index

    private mutating func indexUnits() {
        var offset: UInt64 = 0
        while offset < sections.info.size, units.count < 1_000_000 {
            guard let head = try? sections.file.read(sections.info, offset: offset, count: 4096),
                var unit = try? DWARFUnit.header(head, at: offset), unit.end > offset, unit.end <= sections.info.size
            else { break }
            if (try? readTopDIE(&unit)) != nil {
                units.append(unit)
                let index = Int32(units.count - 1)
                var covered = unit.ranges
                if covered.isEmpty, let stmtList = unit.stmtList,
                    let lines = try? DWARFLineTable(sections: sections, offset: stmtList, unit: unit)
                {
                    covered = lines.coveredRanges
                }
                for range in covered {
                    unitRanges.append(UnitRange(low: range.lowerBound, high: range.upperBound, unit: index))
                }
            }
            offset = unit.end
        }
        unitRanges.sort { $0.low < $1.low }
    }

    private func readTopDIE(_ unit: inout DWARFUnit) throws {
        let abbreviations = try DWARFAbbreviations(section: sections.abbrev, offset: unit.abbreviationOffset, file: sections.file)
        let bytes = try sections.file.read(sections.info, offset: unit.dieOffset, count: Int(min(unit.end - unit.dieOffset, 65_536)))
        var cursor = ByteCursor(bytes)
        guard let abbreviation = abbreviations[try cursor.uleb()],
            [DWARFTag.compileUnit, DWARFTag.partialUnit].contains(abbreviation.tag)
        else { throw SymbolicationError.malformed }
        let values = try unit.attributes(abbreviation, cursor: &cursor)
        unit.strOffsetsBase = values[DWARFAttribute.strOffsetsBase]?.unsigned
        unit.addrBase = (values[DWARFAttribute.addrBase] ?? values[DWARFAttribute.gnuAddrBase])?.unsigned
        unit.rnglistsBase = values[DWARFAttribute.rnglistsBase]?.unsigned
        unit.stmtList = values[DWARFAttribute.stmtList]?.unsigned
        unit.lowPC = sections.address(values[DWARFAttribute.lowPC], unit: unit)
        unit.name = sections.string(values[DWARFAttribute.name], unit: unit)
        unit.compDir = sections.string(values[DWARFAttribute.compDir], unit: unit)
        unit.ranges = sections.ranges(
            lowPC: values[DWARFAttribute.lowPC], highPC: values[DWARFAttribute.highPC],
            ranges: values[DWARFAttribute.ranges], unit: unit)
    }

    private func unit(containing address: UInt64) -> Int? {
        let low = unitRanges.partitioningIndex { $0.low > address }
        var candidate = low - 1
        while candidate >= 0, low - candidate <= 16 {
            if address < unitRanges[candidate].high { return Int(unitRanges[candidate].unit) }
            candidate -= 1
        }
        return nil
    }

    private func unit(atOffset offset: UInt64) -> Int? {
        let low = units.partitioningIndex { $0.offset > offset }
        guard low > 0, offset < units[low - 1].end else { return nil }
        return low - 1
    }

    // MARK: Per-unit tables

    private mutating func tables(for index: Int) -> UnitTables? {
        uses += 1
        if var cached = tables[index] {
            cached.lastUse = uses
            tables[index] = cached
            return cached
        }
        let unit = units[index]
        guard let abbreviations = try? DWARFAbbreviations(section: sections.abbrev, offset: unit.abbreviationOffset, file: sections.file),
            let bytes = try? sections.file.read(sections.info, offset: unit.offset, count: Int(unit.end - unit.offset))
        else { return nil }
        let lines = unit.stmtList.flatMap { try? DWARFLineTable(sections: sections, offset: $0, unit: unit) }
        let scopes = DWARFInlineScopes(unit: unit, bytes: bytes, abbreviations: abbreviations, sections: sections)
        let decoded = UnitTables(abbreviations: abbreviations, lines: lines, scopes: scopes, lastUse: uses)
        tables[index] = decoded
        evict(keeping: index)
        return decoded
    }

    private mutating func evict(keeping index: Int) {
        var weight = tables.values.reduce(0) { $0 + $1.weight }
        while tables.count > 1, tables.count > Self.unitLimit || weight > Self.weightLimit {
            guard let oldest = tables.filter({ $0.key != index }).min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
            weight -= oldest.value.weight
            tables[oldest.key] = nil
        }
    }

    // MARK: Inlined function names

    /// The linkage name (else the name) of the function DIE at `offset`, following `DW_AT_specification`
    /// once; `nil` when the DIE is not a `DW_TAG_subprogram` (as `Runtime`, such scopes give no frame).
    private mutating func originName(_ offset: UInt64) -> String? {
        if let known = originNames[offset] { return known }
        if originNames.count >= 8_192 { originNames.removeAll(keepingCapacity: true) }
        var name: String?
        if let origin = try? function(at: offset) {
            name = origin.rawName
            if let specification = origin.specification, let declared = try? function(at: specification) {
                name = declared.rawName ?? name
            }
        }
        originNames[offset] = .some(name)
        return name
    }

    private static let functionAttributes: Set<UInt64> = [
        DWARFAttribute.name, DWARFAttribute.linkageName, DWARFAttribute.mipsLinkageName, DWARFAttribute.specification,
    ]

    private mutating func function(at offset: UInt64) throws -> (rawName: String?, specification: UInt64?)? {
        guard let index = unit(atOffset: offset) else { return nil }
        let unit = units[index]
        let abbreviations =
            try tables[index]?.abbreviations
            ?? DWARFAbbreviations(section: sections.abbrev, offset: unit.abbreviationOffset, file: sections.file)
        var cursor = ByteCursor(try sections.file.read(sections.info, offset: offset, count: Int(min(4096, unit.end - offset))))
        guard let abbreviation = abbreviations[try cursor.uleb()], abbreviation.tag == DWARFTag.subprogram else { return nil }
        let values = try unit.attributes(abbreviation, wanted: Self.functionAttributes, cursor: &cursor)
        var specification: UInt64?
        if case .reference(let target) = values[DWARFAttribute.specification] { specification = target }
        let linkageName = values[DWARFAttribute.linkageName] ?? values[DWARFAttribute.mipsLinkageName]
        return (
            sections.string(linkageName, unit: unit) ?? sections.string(values[DWARFAttribute.name], unit: unit),
            specification
        )
    }
}
