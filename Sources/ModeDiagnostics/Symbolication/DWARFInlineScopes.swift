/// The inlined-subroutine tree of one compilation unit (`DW_TAG_inlined_subroutine` DIEs), read in one walk
/// of the unit and kept compact: each scope's call site, abstract origin and parent, and its address ranges
/// sorted for a binary search.
///
/// As in the toolchain's `Runtime`, a scope counts when it names its abstract origin and its call file, line
/// and column; its ranges come from `DW_AT_low_pc`/`DW_AT_high_pc` or `DW_AT_ranges` (`.debug_ranges` and,
/// unlike `Runtime`, DWARF 5 `.debug_rnglists`).
struct DWARFInlineScopes {
    struct Scope {
        /// Offset in `.debug_info` of the `DW_AT_abstract_origin` DIE (the inlined function).
        var origin: UInt64
        var callFile: UInt32
        var callLine: UInt32
        var callColumn: UInt32
        /// The enclosing inlined scope, -1 for one directly in a function.
        var parent: Int32
        /// The scope's ranges: `rangeCount` entries of `scopeRanges` from `firstRange`.
        var firstRange: Int32
        var rangeCount: Int32
    }

    private struct ScopeRange {
        var low: UInt64
        var scope: Int32
        var depth: Int32
    }

    private(set) var scopes: [Scope] = []
    private var ranges: [ScopeRange] = []
    private var scopeRanges: [Range<UInt64>] = []

    var count: Int { scopes.count }

    /// Walks the DIEs of `unit` (whose bytes are `bytes`, starting at the unit header).
    init(unit: DWARFUnit, bytes: [UInt8], abbreviations: DWARFAbbreviations, sections: DWARFSections) {
        var cursor = ByteCursor(bytes, at: Int(unit.dieOffset - unit.offset))
        // The scope each open DIE with children sits in.
        var parents: [Int32] = []
        var current: Int32 = -1
        walk: while !cursor.isAtEnd {
            do {
                let code = try cursor.uleb()
                if code == 0 {
                    guard let last = parents.popLast() else { break walk }
                    current = last
                    continue
                }
                guard let abbreviation = abbreviations[code] else { break walk }
                var opened = current
                if abbreviation.tag == DWARFTag.inlinedSubroutine {
                    if let scope = try read(abbreviation, unit: unit, cursor: &cursor, parent: current, depth: parents.count, sections: sections) {
                        opened = scope
                    }
                } else {
                    for attribute in abbreviation.attributes { try unit.skip(form: attribute.form, cursor: &cursor) }
                }
                if abbreviation.hasChildren {
                    parents.append(current)
                    current = opened
                }
            } catch {
                break walk  // the scopes read so far stay usable
            }
        }
        ranges.sort { $0.low < $1.low || ($0.low == $1.low && $0.depth < $1.depth) }
    }

    /// An address inside each of the first `limit` scopes (only scopes inside another inlined scope when
    /// `nested`), for tests that need addresses with inlined frames.
    func sampleAddresses(limit: Int, nested: Bool) -> [UInt64] {
        scopes.filter { !nested || $0.parent >= 0 }.prefix(limit).map { scope in
            let range = scopeRanges[Int(scope.firstRange)]
            return range.lowerBound + (range.upperBound - range.lowerBound) / 2
        }
    }

    /// The inlined scopes that contain `address`, innermost first.
    func chain(at address: UInt64) -> [Scope] {
        let low = ranges.partitioningIndex { $0.low > address }
        guard low > 0 else { return [] }
        var scope = ranges[low - 1].scope
        // The last range starting at or below the address belongs to the innermost containing scope or to
        // one nested in it: climb until a scope contains the address.
        while scope >= 0, !contains(scope, address) { scope = scopes[Int(scope)].parent }
        var chain: [Scope] = []
        while scope >= 0, chain.count < 256 {
            chain.append(scopes[Int(scope)])
            scope = scopes[Int(scope)].parent
        }
        return chain
    }

    private func contains(_ scope: Int32, _ address: UInt64) -> Bool {
        let scope = scopes[Int(scope)]
        let first = Int(scope.firstRange)
        return scopeRanges[first..<(first + Int(scope.rangeCount))].contains { $0.contains(address) }
    }

    private static let wanted: Set<UInt64> = [
        DWARFAttribute.abstractOrigin, DWARFAttribute.callFile, DWARFAttribute.callLine, DWARFAttribute.callColumn,
        DWARFAttribute.lowPC, DWARFAttribute.highPC, DWARFAttribute.ranges,
    ]

    private mutating func read(
        _ abbreviation: DWARFAbbreviations.Abbreviation, unit: DWARFUnit, cursor: inout ByteCursor, parent: Int32,
        depth: Int, sections: DWARFSections
    ) throws -> Int32? {
        let values = try unit.attributes(abbreviation, wanted: Self.wanted, cursor: &cursor)
        guard case .reference(let origin) = values[DWARFAttribute.abstractOrigin],
            let callFile = values[DWARFAttribute.callFile]?.unsigned, let callLine = values[DWARFAttribute.callLine]?.unsigned,
            let callColumn = values[DWARFAttribute.callColumn]?.unsigned
        else { return nil }
        let covered = sections.ranges(
            lowPC: values[DWARFAttribute.lowPC], highPC: values[DWARFAttribute.highPC],
            ranges: values[DWARFAttribute.ranges], unit: unit)
        guard !covered.isEmpty else { return nil }
        let index = Int32(scopes.count)
        scopes.append(
            Scope(
                origin: origin, callFile: UInt32(clamping: callFile), callLine: UInt32(clamping: callLine),
                callColumn: UInt32(clamping: callColumn), parent: parent, firstRange: Int32(scopeRanges.count),
                rangeCount: Int32(covered.count)))
        scopeRanges.append(contentsOf: covered)
        for range in covered {
            ranges.append(ScopeRange(low: range.lowerBound, scope: index, depth: Int32(depth)))
        }
        return index
    }
}
