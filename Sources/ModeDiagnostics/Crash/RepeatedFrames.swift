/// A run of frames left out of a crash report because they repeat the frames just before them: a stack
/// overflow's 128 captured frames are mostly one return address, and symbolicating each copy took the report
/// past its time budget. The report keeps the first copy and says how many followed.
///
/// Rendered after the last kept frame of the run as `… 120 more frames of f() at file:line` (one repeated
/// frame, direct recursion) or `… 120 more frames repeating the 2 frames above` (mutual recursion).
///
/// ```swift
/// let (kept, runs) = RepeatedFrames.collapse([0x10, 0x20, 0x20, 0x20, 0x30])
/// // kept: [(0, 0x10), (1, 0x20), (4, 0x30)]; runs: [RepeatedFrames(afterIndex: 1, count: 2, period: 1)]
/// ```
public struct RepeatedFrames: Sendable, Codable, Equatable {
    /// Index of the last kept frame of the repeated block; the omitted frames follow it.
    public var afterIndex: Int
    /// How many frames were left out (indices `afterIndex + 1 ... afterIndex + count`).
    public var count: Int
    /// Length of the repeated block: 1 for a frame calling itself, 2 for `f` → `g` → `f` …
    public var period: Int

    /// Creates a run.
    ///
    /// ```swift
    /// let run = RepeatedFrames(afterIndex: 1, count: 120, period: 1)
    /// ```
    public init(afterIndex: Int, count: Int, period: Int) {
        self.afterIndex = afterIndex
        self.count = count
        self.period = period
    }

    /// Longest repeated block looked for (mutual recursion through up to this many functions).
    static let maximumPeriod = 4

    /// Splits `addresses` (innermost first) into the frames to keep, with their original indices, and the runs
    /// left out. A block of 1...4 frames repeated back to back is kept once when its copies add up to at
    /// least 2 frames.
    ///
    /// ```swift
    /// let (kept, runs) = RepeatedFrames.collapse(stack.addresses)
    /// ```
    package static func collapse(_ addresses: [UInt]) -> (kept: [(index: Int, address: UInt)], runs: [RepeatedFrames]) {
        var kept: [(index: Int, address: UInt)] = []
        var runs: [RepeatedFrames] = []
        var start = 0
        while start < addresses.count {
            var best: (period: Int, copies: Int)? = nil
            for period in 1...maximumPeriod where start + 2 * period <= addresses.count {
                var copies = 0
                while start + (copies + 2) * period <= addresses.count,
                    addresses[(start + (copies + 1) * period)..<(start + (copies + 2) * period)]
                        == addresses[start..<(start + period)]
                {
                    copies += 1
                }
                if copies * period >= 2, copies * period > (best.map { $0.copies * $0.period } ?? 0) {
                    best = (period, copies)
                }
            }
            guard let best else {
                kept.append((start, addresses[start]))
                start += 1
                continue
            }
            for offset in 0..<best.period { kept.append((start + offset, addresses[start + offset])) }
            runs.append(RepeatedFrames(afterIndex: start + best.period - 1, count: best.copies * best.period,
                                       period: best.period))
            start += (best.copies + 1) * best.period
        }
        return (kept, runs)
    }

    /// `… 120 more frames of f() at file:line` (`innermost`: the kept frame the run repeats, used for period 1).
    ///
    /// ```swift
    /// print(run.render(innermost: frame))
    /// ```
    package func render(innermost: StackFrame) -> String {
        let frames = count == 1 ? "frame" : "frames"
        guard period == 1 else { return "… \(count) more \(frames) repeating the \(period) frames above" }
        var text = "… \(count) more \(frames) of " + (innermost.symbol ?? StackFrame.hex(innermost.address, width: 0))
        if let file = innermost.file {
            text += " at \(file)" + (innermost.line.map { ":\($0)" } ?? "")
        } else if let module = innermost.module {
            text += " [\(module)" + (innermost.moduleOffset.map { "+" + StackFrame.hex($0, width: 0) } ?? "") + "]"
        }
        return text
    }
}
