/// The shape of a service tree under test: `count` leaf services, either flat under one root or in a tree
/// where every inner node has `fanout` children.
///
/// ```swift
/// let shape = ServiceShape(count: 1_000, fanout: 10)   // 10 x 10 x 10 leaves under 111 inner nodes
/// ```
public struct ServiceShape: Sendable, Hashable, CustomStringConvertible {
    /// Number of leaf services.
    public var count: Int
    /// Children per inner node; `nil` means flat (one root with `count` children).
    public var fanout: Int?

    /// Creates a shape.
    public init(count: Int, fanout: Int?) {
        self.count = count
        self.fanout = fanout
    }

    /// `flat` or `tree/10`.
    public var name: String { fanout.map { "tree/\($0)" } ?? "flat" }

    public var description: String { "\(name) N=\(count)" }

    /// Sizes of the groups one level down: splits `count` leaves into at most `fanout` subtrees, or `nil` when
    /// the leaves hang directly under this node.
    func split(_ leaves: Int) -> [Int]? {
        guard let fanout, leaves > fanout else { return nil }
        let per = (leaves + fanout - 1) / fanout
        var parts: [Int] = []
        var left = leaves
        while left > 0 {
            parts.append(min(per, left))
            left -= per
        }
        return parts
    }

    /// The shapes of the issue: N = 100, 1,000, 10,000, fanout 10 and flat.
    public static let all: [ServiceShape] = [100, 1_000, 10_000].flatMap {
        [ServiceShape(count: $0, fanout: 10), ServiceShape(count: $0, fanout: nil)]
    }
}
