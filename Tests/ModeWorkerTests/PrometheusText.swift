/// Checks Prometheus text exposition (format 0.0.4) line by line: every line a `# HELP`/`# TYPE` comment or
/// a sample `name{label="value",...} number`; names and label names valid; a family's TYPE before its samples,
/// at most once.
enum PrometheusText {
    /// What is wrong, one entry per bad line; empty when the text is valid.
    static func problems(_ text: String) -> [String] {
        var problems: [String] = []
        var typed: [String: String] = [:]
        var sampled: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !(line.isEmpty && number == lines.count - 1) {
            let where_ = "line \(number + 1) '\(line)'"
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, isMetricName(parts[2]) else {
                    problems.append("\(where_): bad comment")
                    continue
                }
                if parts[1] == "TYPE" {
                    let name = String(parts[2])
                    let type = parts.count == 4 ? String(parts[3]) : ""
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(type) {
                        problems.append("\(where_): unknown type")
                    }
                    if typed[name] != nil { problems.append("\(where_): second TYPE for \(name)") }
                    if sampled.contains(name) { problems.append("\(where_): TYPE after samples of \(name)") }
                    typed[name] = type
                }
                continue
            }
            guard let sample = parseSample(line) else {
                problems.append("\(where_): not a sample")
                continue
            }
            let family = familyName(sample, typed: typed)
            if typed[family] == nil { problems.append("\(where_): no TYPE before the samples of \(family)") }
            sampled.insert(family)
        }
        return problems
    }

    /// The sample's metric name, when the line is `name{labels} value` or `name value`.
    private static func parseSample(_ line: Substring) -> String? {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard isMetricName(name) else { return nil }
        rest = rest.dropFirst(name.count)
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                guard !label.isEmpty, !label.first!.isNumber else { return nil }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else { return nil }
                rest = rest.dropFirst(2)
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst(character == "\\" ? 2 : 1)
                }
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                if rest.first == "," { rest = rest.dropFirst() }
                guard !rest.isEmpty else { return nil }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { return nil }
        let fields = rest.dropFirst().split(separator: " ")
        guard (1...2).contains(fields.count), isNumber(fields[0]) else { return nil }
        return String(name)
    }

    /// Histogram and summary samples (`_bucket`, `_sum`, `_count`) belong to their family.
    private static func familyName(_ name: String, typed: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if let type = typed[family], type == "histogram" || type == "summary" { return family }
        }
        return name
    }

    static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }

    private static func isNumber(_ text: Substring) -> Bool {
        Double(text) != nil || ["+Inf", "-Inf", "NaN"].contains(text)
    }
}
