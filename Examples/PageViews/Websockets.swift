import Mode

/// The live-updates hub: keeps the latest page-view events for clients that poll `GET /recent`
/// (a stand-in for the websocket fan-out of mode's README example).
actor Websockets: Service {
    let lifecycle = ServiceLifecycleState()
    private var recent: [String] = []

    func publish(path: String, count: Int) {
        recent.append("{\"path\": \(jsonString(path)), \"count\": \(count)}")
        if recent.count > 20 { recent.removeFirst(recent.count - 20) }
    }

    func recentEvents() -> [String] { recent }
}

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
