import CModeSupport

/// swift-mode's own symbolication of addresses in the loaded ELF images: function names from the symbol
/// table, file:line:column from the DWARF line table and inlined frames from the DWARF inlined-subroutine
/// tree, each image indexed once and read with `pread` (see ``ELFFile``, ``ELFSymbolTable`` and
/// ``DWARFReader``).
///
/// It produces the frames the toolchain's `Runtime` module gave (which it replaces): inlined frames first,
/// each at the location inside the inlined function, then the physical frame at the call site of the
/// outermost inlined call. A return address is looked up at `address - 1` (inside the call instruction),
/// a program counter or an async resume point as it is; async resume points get no inlined frames.
///
/// Not thread-safe: the ``Symbolicator`` uses it from its symbolication thread only, under a lock.
final class ImageSymbolicator {
    /// One image's tables. A separate debug file (see ``ELFFile/separateDebugFile()``) supplies the full
    /// symbol table of a stripped image and the debug info the image lacks.
    private final class Image {
        /// The file the symbol names are read from.
        let symbolFile: ELFFile
        let symbols: ELFSymbolTable
        var dwarf: DWARFReader?

        init(file: ELFFile) {
            var symbolFile = file
            var symbols = ELFSymbolTable(file: file)
            dwarf = DWARFReader(file: file)
            if symbols.source != ".symtab" || dwarf == nil, let debugFile = file.separateDebugFile() {
                let debugSymbols = ELFSymbolTable(file: debugFile)
                if symbols.source != ".symtab", debugSymbols.source == ".symtab" {
                    symbols = debugSymbols
                    symbolFile = debugFile
                }
                if dwarf == nil { dwarf = DWARFReader(file: debugFile) }
            }
            self.symbolFile = symbolFile
            self.symbols = symbols
        }
    }

    /// Images kept open at most (each holds a file descriptor and its indexes).
    static let imageLimit = 64

    private var images: [String: Image?] = [:]

    /// Symbolicates `address`; `nil` when it lies in no loaded image or resolves to no symbol (the caller
    /// reports it raw).
    func frames(address: UInt64, kind: Symbolicator.AddressKind) -> Symbolicator.Resolved? {
        let adjusted = kind == .returnAddress ? address &- 1 : address
        var bias: UInt = 0
        var path: UnsafePointer<CChar>? = nil
        guard c_mode_modules_lookup(UInt(adjusted), &bias, &path) != 0, let path else { return nil }
        var physical = Symbolicator.fallbackFrame(index: 0, address: UInt(address), lookUpSymbol: false)
        physical.isAsync = kind == .asyncResumePoint
        return frames(
            imagePath: String(cString: path), relativeAddress: adjusted &- UInt64(bias), inlined: kind != .asyncResumePoint,
            physical: physical, exportedName: c_mode_dladdr_symbol(UInt(adjusted)).map { String(cString: $0) })
    }

    /// The frames of `relativeAddress` (an ELF virtual address, already moved inside the call instruction for
    /// a return address) in the image at `imagePath`: inlined frames first, each a copy of `physical` with
    /// its own name and location, then `physical` itself. `exportedName` names the function when the symbol
    /// table has none for it.
    func frames(
        imagePath: String, relativeAddress: UInt64, inlined: Bool, physical: StackFrame, exportedName: @autoclosure () -> String? = nil
    ) -> Symbolicator.Resolved? {
        guard let image = image(at: imagePath),
            let rawName = image.symbols.lookUp(relativeAddress, in: image.symbolFile)?.name ?? exportedName()
        else { return nil }
        let (location, calls) = image.dwarf?.lookUp(relativeAddress, inlined: inlined) ?? (nil, [])
        var frames: [StackFrame] = []
        var current = location
        for call in calls {
            var frame = physical
            frame.symbol = Symbolicator.runtimeName(call.rawName ?? "<unknown>")
            frame.isInlined = true
            Self.place(&frame, at: current)
            frames.append(frame)
            current = (call.file, call.line, call.column)
        }
        var physical = physical
        physical.symbol = Symbolicator.runtimeName(rawName)
        Self.place(&physical, at: current)
        frames.append(physical)
        return Symbolicator.Resolved(frames: frames, mangledName: calls.first?.rawName ?? rawName)
    }

    /// Forgets images no longer worth keeping: all of them past ``imageLimit``.
    private func image(at path: String) -> Image? {
        if let known = images[path] { return known }
        if images.count >= Self.imageLimit { images.removeAll() }
        let image = ELFFile(path: path).map(Image.init)
        images[path] = .some(image)
        return image
    }

    /// Images opened, units indexed and units decoded now (for tests and measurements).
    var statistics: (images: Int, units: Int, decoded: Int) {
        var total = (images: images.count, units: 0, decoded: 0)
        for case let image? in images.values {
            let dwarf = image.dwarf?.statistics ?? (units: 0, decoded: 0)
            total.units += dwarf.units
            total.decoded += dwarf.decoded
        }
        return total
    }

    private static func place(_ frame: inout StackFrame, at location: (file: String, line: Int, column: Int)?) {
        frame.file = location?.file
        frame.line = location?.line
        frame.column = location?.column
    }
}
