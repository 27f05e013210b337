import Foundation

/// The single table `mode-compare` prints: one row per measurement, with the peer's figure, the ratio and the
/// goal.
struct ComparisonTable {
    struct Row {
        var suite: String
        var metric: String
        var mode: String
        var peer: String
        var ratio: String
        var goal: String
        var verdict: String
    }

    var rows: [Row] = []
    var notes: [String] = []

    mutating func add(
        _ suite: String, _ metric: String, mode: String, peer: String = "", ratio: String = "", goal: String = "",
        met: Bool? = nil
    ) {
        rows.append(Row(
            suite: suite, metric: metric, mode: mode, peer: peer, ratio: ratio, goal: goal,
            verdict: met.map { $0 ? "ok" : "MISSED" } ?? ""))
    }

    /// Renders a Markdown table (readable in a terminal, pasteable into BENCHMARKS.md).
    func rendered() -> String {
        let header = ["Suite", "Measurement", "swift-mode", "Peer", "Ratio", "Goal", ""]
        let body = rows.map { [$0.suite, $0.metric, $0.mode, $0.peer, $0.ratio, $0.goal, $0.verdict] }
        var widths = header.map(\.count)
        for row in body {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: " | ") + " |"
        }
        var lines = [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        lines += body.map(line)
        lines += notes.map { "\n- " + $0 }
        return lines.joined(separator: "\n")
    }
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    if value.isNaN || value.isInfinite { return "-" }
    var text = String(Int((value * pow10(digits)).rounded()))
    if digits > 0 {
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        while text.count <= digits { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        if negative { text = "-" + text }
    }
    return text
}

func pow10(_ digits: Int) -> Double { (0..<digits).reduce(1.0) { value, _ in value * 10 } }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}
