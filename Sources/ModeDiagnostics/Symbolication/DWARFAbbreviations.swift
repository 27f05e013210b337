/// One compilation unit's abbreviation table (`.debug_abbrev`): for each abbreviation code, the DIE's tag,
/// whether it has children and its attributes' names and forms.
struct DWARFAbbreviations {
    struct Attribute {
        var name: UInt64
        var form: UInt64
        /// The value of a `DW_FORM_implicit_const` attribute.
        var constant: Int64
    }

    struct Abbreviation {
        var tag: UInt64
        var hasChildren: Bool
        var attributes: [Attribute]
    }

    /// Dense codes (the usual 1, 2, 3...) are indexed directly; others go to the dictionary.
    private var dense: [Abbreviation?] = []
    private var sparse: [UInt64: Abbreviation] = [:]

    /// Reads the table at `offset` in `.debug_abbrev`, in growing chunks until its terminating 0 code.
    init(section: ELFFile.Section, offset: UInt64, file: ELFFile) throws {
        var chunk = 4096
        while true {
            let bytes = try file.read(section, offset: offset, count: chunk)
            do {
                try parse(bytes)
                return
            } catch SymbolicationError.truncated where bytes.count == chunk {
                dense = []
                sparse = [:]
                chunk *= 4
            }
        }
    }

    subscript(code: UInt64) -> Abbreviation? {
        code < UInt64(dense.count) ? dense[Int(code)] : sparse[code]
    }

    private mutating func parse(_ bytes: [UInt8]) throws {
        var cursor = ByteCursor(bytes)
        while true {
            let code = try cursor.uleb()
            if code == 0 { return }
            let tag = try cursor.uleb()
            let hasChildren = try cursor.u8() != 0
            var attributes: [Attribute] = []
            while true {
                let name = try cursor.uleb()
                let form = try cursor.uleb()
                if name == 0 && form == 0 { break }
                let constant = form == DWARFForm.implicitConst ? try cursor.sleb() : 0
                attributes.append(Attribute(name: name, form: form, constant: constant))
            }
            let abbreviation = Abbreviation(tag: tag, hasChildren: hasChildren, attributes: attributes)
            if code < 65_536 {
                if Int(code) >= dense.count { dense.append(contentsOf: repeatElement(nil, count: Int(code) - dense.count + 1)) }
                dense[Int(code)] = abbreviation
            } else {
                sparse[code] = abbreviation
            }
        }
    }
}
