/// Splits a console command line into words like a shell: whitespace separates words, single and double
/// quotes group them, a backslash escapes the next character (except inside single quotes).
enum CommandLineTokenizer {
    static func split(_ line: String) throws(ConsoleError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaping = false
        for character in line {
            if escaping {
                current.append(character)
                escaping = false
                continue
            }
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" {
                    escaping = true
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "\"", "'":
                quote = character
                inWord = true
            case "\\":
                escaping = true
                inWord = true
            case _ where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw ConsoleError(code: .usage, message: "unterminated quote in command line") }
        if inWord { words.append(current) }
        return words
    }
}
