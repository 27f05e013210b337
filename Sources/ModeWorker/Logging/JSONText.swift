import Logging
import ModeConsole

/// Minimal JSON writing for log lines (no Foundation, one pass, always valid JSON).
enum JSONText {
    /// Appends `value` as a JSON string literal, escaping `"`, `\`, all control characters (U+0000–U+001F,
    /// U+007F) and the JavaScript line separators U+2028/U+2029. A Swift `String` is always valid Unicode:
    /// bytes that were invalid UTF-8 were already replaced by U+FFFD when the string was made (for example by
    /// `String(decoding:as:)`), so the output is always valid UTF-8.
    static func appendString(_ value: String, to out: inout String) {
        JSONString.append(value, to: &out)
    }

    static func appendValue(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &out)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &out)
        case .array(let values):
            out.append("[")
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(",") }
                appendValue(element, to: &out)
            }
            out.append("]")
        case .dictionary(let metadata):
            appendObject(metadata, to: &out)
        }
    }

    /// Appends `metadata` as a JSON object with sorted keys.
    static func appendObject(_ metadata: Logger.Metadata, to out: inout String) {
        out.append("{")
        for (index, entry) in metadata.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out.append(",") }
            appendString(entry.key, to: &out)
            out.append(":")
            appendValue(entry.value, to: &out)
        }
        out.append("}")
    }
}
