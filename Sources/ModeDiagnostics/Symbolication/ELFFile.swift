#if canImport(Glibc)
import Glibc
#endif

/// A 64-bit little-endian ELF file read with `pread`: its section headers, and bytes of its sections on demand.
///
/// Nothing is mapped and no section is kept in memory: callers read the part they need (a symbol table while
/// indexing it, one compilation unit, one string) and drop it. Compressed sections (`SHF_COMPRESSED`) are
/// reported absent, so such images are symbolicated with names only.
final class ELFFile {
    struct Section {
        var name: String
        var type: UInt32
        var flags: UInt64
        var offset: UInt64
        var size: UInt64
        var link: UInt32
        var entrySize: UInt64

        var isCompressed: Bool { flags & 0x800 != 0 }  // SHF_COMPRESSED
    }

    let path: String
    private let descriptor: Int32
    private let fileSize: UInt64
    private(set) var sections: [Section] = []

    /// Opens `path` and reads its section headers; `nil` when it is not a readable 64-bit little-endian ELF
    /// file.
    init?(path: String) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 64 else {
            close(descriptor)
            return nil
        }
        fileSize = UInt64(info.st_size)
        guard let parsed = try? readSectionHeaders() else {
            close(descriptor)
            return nil
        }
        sections = parsed
    }

    deinit {
        close(descriptor)
    }

    /// The named section when it is present, holds data and is not compressed.
    func section(named name: String) -> Section? {
        sections.first { $0.name == name && $0.type != 8 && !$0.isCompressed && $0.size > 0 }  // SHT_NOBITS
    }

    /// `count` bytes at `offset` in the file; throws when they lie (partly) outside it.
    func read(offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= fileSize, UInt64(count) <= fileSize - offset else {
            throw SymbolicationError.truncated
        }
        if count == 0 { return [] }
        var done = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if got < 0, errno == EINTR { continue }
                if got <= 0 { break }
                done += got
            }
            initialized = done
            if done < count { throw SymbolicationError.truncated }
        }
        return bytes
    }

    /// `count` bytes at `offset` within `section` (clipped to the section's end).
    func read(_ section: Section, offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset <= section.size else { throw SymbolicationError.truncated }
        let clipped = Int(min(UInt64(max(0, count)), section.size - offset))
        let (start, overflow) = section.offset.addingReportingOverflow(offset)
        guard !overflow else { throw SymbolicationError.truncated }
        return try read(offset: start, count: clipped)
    }

    /// The NUL-terminated string at `offset` in a string section (`.strtab`, `.debug_str`, `.debug_line_str`).
    func string(in section: Section, at offset: UInt64) throws -> String {
        var chunk = 256
        while true {
            let bytes = try read(section, offset: offset, count: chunk)
            if let end = bytes.firstIndex(of: 0) { return String(decoding: bytes[..<end], as: UTF8.self) }
            guard bytes.count == chunk, chunk < 1 << 20 else { throw SymbolicationError.truncated }
            chunk *= 4
        }
    }

    /// The GNU build ID (`.note.gnu.build-id`), which names the separate debug file.
    var buildID: [UInt8]? {
        guard let note = section(named: ".note.gnu.build-id"), var cursor = try? ByteCursor(read(note, offset: 0, count: 256)),
            let nameSize = try? cursor.u32(), let descriptionSize = try? cursor.u32(), (try? cursor.u32()) == 3,  // NT_GNU_BUILD_ID
            (try? cursor.skip((nameSize + 3) & ~3)) != nil, descriptionSize > 0, descriptionSize <= UInt64(cursor.remaining)
        else { return nil }
        return Array(cursor.bytes[cursor.position..<(cursor.position + Int(descriptionSize))])
    }

    /// The file name in `.gnu_debuglink`.
    var debugLink: String? {
        guard let link = section(named: ".gnu_debuglink"), var cursor = try? ByteCursor(read(link, offset: 0, count: 4096)),
            let name = try? cursor.cString(), !name.isEmpty, !name.contains("/")
        else { return nil }
        return name
    }

    /// The separate debug file of this image, found as distributions install them (and as `Runtime` looks):
    /// `/usr/lib/debug/.build-id/xx/yyyy.debug`, else the `.gnu_debuglink` name next to the image, in its
    /// `.debug` directory or under `/usr/lib/debug`. A debug file whose build ID differs is ignored.
    func separateDebugFile() -> ELFFile? {
        let id = buildID
        var candidates: [String] = []
        if let id, id.count > 1 {
            let hex = id.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
            candidates.append("/usr/lib/debug/.build-id/\(hex[0])/\(hex[1...].joined()).debug")
        }
        if let link = debugLink {
            let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            candidates += ["\(directory)/\(link)", "\(directory)/.debug/\(link)", "/usr/lib/debug\(directory)/\(link)"]
        }
        for candidate in candidates where candidate != path {
            guard let file = ELFFile(path: candidate) else { continue }
            if let id, let other = file.buildID, other != id { continue }
            return file
        }
        return nil
    }

    private func readSectionHeaders() throws -> [Section] {
        var header = ByteCursor(try read(offset: 0, count: 64))
        guard try header.u32() == 0x464c_457f,  // "\x7fELF"
            try header.u8() == 2,  // ELFCLASS64
            try header.u8() == 1  // ELFDATA2LSB
        else { throw SymbolicationError.malformed }
        header.position = 0x28
        let sectionOffset = try header.u64()
        header.position = 0x3a
        let entrySize = Int(try header.u16())
        let count = Int(try header.u16())
        let namesIndex = Int(try header.u16())
        guard entrySize >= 64, count > 0, count < 65_280, namesIndex < count else {
            throw SymbolicationError.malformed
        }
        let table = try read(offset: sectionOffset, count: entrySize * count)
        var sections: [Section] = []
        var nameOffsets: [UInt64] = []
        for index in 0..<count {
            var cursor = ByteCursor(table, at: index * entrySize)
            nameOffsets.append(try cursor.u32())
            let type = UInt32(try cursor.u32())
            let flags = try cursor.u64()
            _ = try cursor.u64()  // sh_addr
            let offset = try cursor.u64()
            let size = try cursor.u64()
            let link = UInt32(try cursor.u32())
            _ = try cursor.u32()  // sh_info
            _ = try cursor.u64()  // sh_addralign
            let entry = try cursor.u64()
            sections.append(
                Section(name: "", type: type, flags: flags, offset: offset, size: size, link: link, entrySize: entry))
        }
        let names = sections[namesIndex]
        guard names.offset <= fileSize, names.size <= fileSize - names.offset else {
            throw SymbolicationError.truncated
        }
        let nameBytes = try read(offset: names.offset, count: Int(names.size))
        for index in sections.indices {
            var cursor = ByteCursor(nameBytes, at: Int(min(nameOffsets[index], UInt64(nameBytes.count))))
            sections[index].name = (try? cursor.cString()) ?? ""
        }
        // A section whose bytes lie outside the file is treated as absent.
        return sections.map { section in
            var section = section
            if section.type != 8, section.offset > fileSize || section.size > fileSize - section.offset {
                section.size = 0
            }
            return section
        }
    }
}
