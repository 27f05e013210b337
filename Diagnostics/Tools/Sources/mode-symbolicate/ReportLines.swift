import Foundation

/// Parsing of report lines: frames (`MODULE+0xOFFSET`), image paths, JSON records.
enum ReportLines {
    struct Frame {
        var index: Int?
        var module: String
        var offset: UInt64
        /// Return addresses (every frame but #0) point after the call: look up the call instruction.
        var lookupOffset: UInt64 { (index ?? 1) > 0 && offset > 0 ? offset - 1 : offset }
    }

    static func frame(in line: String) -> Frame? {
        guard let match = line.firstMatch(of: /([A-Za-z0-9_.\-]+)\+0x([0-9a-fA-F]+)/),
            let offset = UInt64(match.2, radix: 16)
        else { return nil }
        let index = line.firstMatch(of: /#(\d+)/).flatMap { Int($0.1) }
        return Frame(index: index, module: String(match.1), offset: offset)
    }

    /// `  NAME load-bias 0x... /path/NAME` lines of crash reports.
    static func imagePaths(in lines: [String]) -> [String: String] {
        var paths: [String: String] = [:]
        for line in lines {
            if let match = line.firstMatch(of: /^\s+([^\s]+) load-bias 0x[0-9a-f]+ (\/.*)$/) {
                paths[String(match.1)] = String(match.2)
            }
        }
        return paths
    }

    /// Turns JSON crash/stall/dump records into text frame lines the rest of the tool understands.
    static func expandJSON(_ lines: [String]) -> [String] {
        var result: [String] = []
        for line in lines {
            guard line.hasPrefix("{"), let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                result.append(line)
                continue
            }
            result.append(contentsOf: describe(object, prefix: ""))
        }
        return result
    }

    private static func describe(_ object: [String: Any], prefix: String) -> [String] {
        var lines: [String] = []
        if let message = object["message"] as? String { lines.append(prefix + message) }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            if key == "frames", let frames = value as? [[String: Any]] {
                for frame in frames {
                    let index = (frame["index"] as? NSNumber)?.intValue ?? 0
                    let module = frame["module"] as? String ?? "?"
                    let offset = (frame["moduleOffset"] as? NSNumber)?.uint64Value ?? 0
                    let symbol = frame["symbol"] as? String ?? ""
                    lines.append(prefix + "  #\(index) \(module)+0x\(String(offset, radix: 16)) \(symbol)")
                }
            } else if key == "images", let images = value as? [[String: Any]] {
                for image in images {
                    let bias = (image["loadBias"] as? NSNumber)?.uint64Value ?? 0
                    lines.append(
                        prefix + "  \(image["name"] as? String ?? "?") load-bias 0x\(String(bias, radix: 16)) "
                            + "\(image["path"] as? String ?? "")")
                }
            } else if let nested = value as? [String: Any] {
                lines.append(contentsOf: describe(nested, prefix: prefix))
            } else if let array = value as? [[String: Any]] {
                for element in array { lines.append(contentsOf: describe(element, prefix: prefix + "  ")) }
            }
        }
        return lines
    }
}
