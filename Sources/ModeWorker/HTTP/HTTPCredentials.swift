/// The token a request presents: `Authorization: Bearer <token>` (scripts, probes) or
/// `Authorization: Basic base64(<any user>:<token>)` (what a browser sends after asking for a password).
///
/// ```swift
/// HTTPCredentials.token(fromAuthorization: "Bearer s3cret")          // "s3cret"
/// HTTPCredentials.token(fromAuthorization: "Basic b3BzOnMzY3JldA==") // "s3cret" (ops:s3cret)
/// ```
enum HTTPCredentials {
    /// The presented token's bytes, or `nil` for another scheme or a malformed value.
    static func token(fromAuthorization value: String) -> [UInt8]? {
        let space = value.firstIndex(of: " ") ?? value.endIndex
        let scheme = value[..<space].lowercased()
        let rest = value[space...].drop { $0 == " " }
        guard !rest.isEmpty else { return nil }
        switch scheme {
        case "bearer":
            return Array(rest.utf8)
        case "basic":
            guard let decoded = base64Decoded(rest), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                return nil
            }
            return Array(decoded[(colon + 1)...])
        default:
            return nil
        }
    }

    /// Standard base64 (padding optional); `nil` on any other character.
    static func base64Decoded(_ text: Substring) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}
