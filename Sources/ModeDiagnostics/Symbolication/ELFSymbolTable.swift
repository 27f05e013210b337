/// The function symbols of an ELF image (`.symtab`, or `.dynsym` when the image is stripped), sorted by
/// address for a binary search. Names stay in the file: only their string-table offsets are kept (16 bytes a
/// symbol), and the name of a found symbol is read with one `pread`.
struct ELFSymbolTable {
    struct Entry {
        var value: UInt64
        var size: UInt32
        var name: UInt32
    }

    /// The function symbols, sorted by address.
    let entries: [Entry]
    private let strings: ELFFile.Section?

    /// Which table the symbols came from (`.symtab` or `.dynsym`), `nil` when the image has neither.
    let source: String?

    var count: Int { entries.count }

    /// Reads the function symbols of `file`; an unreadable table gives an empty one.
    init(file: ELFFile) {
        for name in [".symtab", ".dynsym"] {
            guard let table = file.section(named: name), Int(table.link) < file.sections.count,
                let entries = try? Self.functions(in: table, of: file), !entries.isEmpty
            else { continue }
            self.entries = entries
            self.strings = file.sections[Int(table.link)]
            self.source = name
            return
        }
        entries = []
        strings = nil
        source = nil
    }

    /// The function at `address` (an ELF virtual address): the nearest symbol at or below it, when the address
    /// lies within that symbol's size (or the symbol has none). Among aliases at one address the toolchain's
    /// `Runtime` picks the same one: the first for an exact hit, else the largest.
    func lookUp(_ address: UInt64, in file: ELFFile) -> (name: String, value: UInt64)? {
        let low = entries.partitioningIndex { $0.value > address }
        guard low > 0 else { return nil }
        var index = low - 1
        let entry = entries[index]
        if entry.value == address {
            while index > 0, entries[index - 1].value == address { index -= 1 }
        } else if entry.size > 0, address - entry.value >= UInt64(entry.size) {
            return nil
        }
        guard let strings, let name = try? file.string(in: strings, at: UInt64(entries[index].name)) else {
            return nil
        }
        return (name, entries[index].value)
    }

    private static func functions(in table: ELFFile.Section, of file: ELFFile) throws -> [Entry] {
        let entrySize = 24  // Elf64_Sym
        guard table.entrySize == UInt64(entrySize) else { throw SymbolicationError.malformed }
        let total = Int(table.size) / entrySize
        var entries: [Entry] = []
        var start = 0
        while start < total {
            let batch = min(4096, total - start)
            var cursor = ByteCursor(try file.read(table, offset: UInt64(start * entrySize), count: batch * entrySize))
            for _ in 0..<batch {
                let name = try cursor.u32()
                let info = try cursor.u8()
                _ = try cursor.u8()  // st_other
                let sectionIndex = try cursor.u16()
                let value = try cursor.u64()
                let size = try cursor.u64()
                // STT_FUNC, defined.
                guard info & 0xf == 2, sectionIndex != 0, value != 0 else { continue }
                entries.append(Entry(value: value, size: UInt32(clamping: size), name: UInt32(clamping: name)))
            }
            start += batch
        }
        entries.sort { $0.value < $1.value || ($0.value == $1.value && $0.size < $1.size) }
        return entries
    }
}
