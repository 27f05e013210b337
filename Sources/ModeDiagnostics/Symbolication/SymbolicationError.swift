/// Why a part of an image's symbols or debug info could not be read. Never shown to users: the frame just
/// loses the detail that could not be read.
enum SymbolicationError: Error {
    /// A read ran past the end of a section, a unit or the file.
    case truncated
    /// A field holds a value the format does not allow (an unknown form, a bad length, a wrong magic).
    case malformed
}
