/// One parsed field of a cron expression: the set of allowed values as a bit set.
struct CronField: Hashable, Sendable {
    /// Which field this is; carries its name, range and value names.
    struct Kind: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]

        static let minute = Kind(name: "minute", range: 0...59, names: [:])
        static let hour = Kind(name: "hour", range: 0...23, names: [:])
        static let dayOfMonth = Kind(name: "day-of-month", range: 1...31, names: [:])
        static let month = Kind(
            name: "month", range: 1...12,
            names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
        /// 0 and 7 are both Sunday; 7 is folded onto 0 after parsing.
        static let dayOfWeek = Kind(
            name: "day-of-week", range: 0...7,
            names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
    }

    /// Bit `n` is set when value `n` matches.
    private(set) var bits: UInt64
    /// `false` when the field text starts with `*` (Vixie cron's DOM_STAR/DOW_STAR rule).
    let isRestricted: Bool

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value `>= value`, if any.
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = bits & (~UInt64(0) << UInt64(max(value, 0)))
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }

    /// Parses `text` (a comma-separated list of `*`, `n`, `a-b`, each optionally `/step`).
    static func parse(
        _ text: String, kind: Kind, expression: String
    ) throws(CronExpressionError) -> CronField {
        func fail(_ code: CronExpressionError.Code, _ detail: String) -> CronExpressionError {
            CronExpressionError(
                code, expression: expression, field: kind.name,
                reason: "\(kind.name) field \"\(text)\" \(detail)")
        }
        func value(_ token: Substring) throws(CronExpressionError) -> Int {
            let lowered = token.lowercased()
            if let named = kind.names[lowered] { return named }
            guard !token.isEmpty, token.allSatisfy(\.isASCII), let number = Int(token) else {
                let names = kind.names.isEmpty ? "" : " or a name like \(kind.names.min { $0.value < $1.value }!.key)"
                throw fail(.invalidValue, "has invalid value \"\(token)\" (expected a number\(names))")
            }
            guard kind.range.contains(number) else {
                throw fail(.outOfRange, "is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }

        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0, parts[1].allSatisfy(\.isASCII) else {
                    throw fail(.invalidStep, "has invalid step \"\(parts[1])\" (expected a positive number)")
                }
                step = parsed
            }
            let rangeText = parts[0]
            let lower: Int
            let upper: Int
            if rangeText == "*" {
                lower = kind.range.lowerBound
                upper = kind === .dayOfWeek ? 6 : kind.range.upperBound
            } else if let dash = rangeText.firstIndex(of: "-") {
                lower = try value(rangeText[..<dash])
                upper = try value(rangeText[rangeText.index(after: dash)...])
                guard lower <= upper else {
                    throw fail(.invalidRange, "has range \"\(rangeText)\" whose start is greater than its end")
                }
            } else {
                lower = try value(rangeText)
                // `5/15` means "from 5 to the end, every 15" (cronie, croniter); a bare `5` is just 5.
                upper = parts.count == 2 ? (kind === .dayOfWeek ? 6 : kind.range.upperBound) : lower
            }
            for number in stride(from: lower, through: upper, by: step) {
                bits |= 1 << UInt64(kind === .dayOfWeek && number == 7 ? 0 : number)
            }
        }
        return CronField(bits: bits, isRestricted: !text.hasPrefix("*"))
    }
}

extension CronField.Kind {
    static func === (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name }
}
