/// Renders a service tree as Graphviz DOT, in the shape of mode's `beacon.as_graph().to_dot()`.
///
/// ```swift
/// print(worker.graph())          // pipe into `dot -Tpng -o tree.png`
/// ```
///
/// Output (abridged):
///
/// ```
/// digraph dependencies {
///         graph [shape="box", ..., bgcolor="mintcream", root="Worker"]
///     "Worker" [label="Worker", shape="box", ..., fillcolor="palegreen3", color="palegreen4"]
///     "Worker" -> "Worker/App" [shape="box", ..., color="darkseagreen4", arrowcolor="black", arrowsize="0.7"]
///     "Worker/App" [label="App", ..., fillcolor="palegreen1", color="palegreen2"]
/// }
/// ```
///
/// Unlike mode, node ids are service paths (so two services with the same label stay distinct nodes,
/// labelled with their label), and leaves get a node line of their own (terminal colours).
public enum ServiceGraph {
    static let common = [("shape", "box"), ("arrowhead", "vee"), ("style", "filled"), ("fontname", "HelveticaNeue")]
    static let nodeScheme = [("fillcolor", "palegreen3"), ("color", "palegreen4")]
    static let terminalScheme = [("fillcolor", "palegreen1"), ("color", "palegreen2")]
    static let edgeScheme = [("color", "darkseagreen4"), ("arrowcolor", "black"), ("arrowsize", "0.7")]

    /// The DOT text of the tree under `root`.
    public static func dot(from root: any Service) -> String {
        var lines = ["digraph dependencies {"]
        lines.append(
            "        graph " + attributes(common + [("bgcolor", "mintcream"), ("root", root.label)])
        )
        for node in root.subtree() {
            let children = node.children
            let id = quote(node.path)
            let scheme = children.isEmpty ? terminalScheme : nodeScheme
            lines.append("    \(id) " + attributes([("label", node.label)] + common + scheme))
            for child in children {
                lines.append("    \(id) -> \(quote(child.path)) " + attributes(common + edgeScheme))
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func attributes(_ pairs: [(String, String)]) -> String {
        "[" + pairs.map { "\($0.0)=\(quote($0.1))" }.joined(separator: ", ") + "]"
    }

    static func quote(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }
}

extension Service {
    /// The service graph of this subtree as Graphviz DOT (mode's `as_graph().to_dot()`).
    ///
    /// ```swift
    /// print(app.graph())
    /// ```
    public func graph() -> String { ServiceGraph.dot(from: self) }
}
