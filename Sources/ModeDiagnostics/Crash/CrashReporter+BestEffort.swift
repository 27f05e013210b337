import CModeSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CrashReporter {
    /// Builds the core report from the handler's record (no symbolication).
    static func coreReport(_ info: UnsafePointer<c_mode_crash_info>) -> CrashReport {
        let record = info.pointee
        let count = Int(max(0, min(record.frame_count, C_MODE_CRASH_MAX_FRAMES)))
        let addresses: [UInt] = withUnsafeBytes(of: info.pointee.frames) { raw in
            raw.bindMemory(to: UInt64.self).prefix(count).map { UInt($0) }
        }
        let frames = addresses.enumerated().map {
            Symbolicator.fallbackFrame(index: $0, address: $1, lookUpSymbol: false)
        }
        var report = CrashReport(
            part: "core", signal: String(cString: c_mode_signal_name(record.signal)), signalNumber: record.signal,
            code: record.code, faultAddress: UInt(record.fault_address), pc: UInt(record.pc), pid: record.pid,
            tid: record.tid, thread: string(info, \.thread_name), task: record.job == 0 ? nil : UInt(record.job),
            taskLabel: record.has_label != 0 ? string(info, \.task_label) : nil,
            fatalError: record.has_message != 0 ? string(info, \.fatal_message) : nil,
            unwinder: Unwinder(cValue: record.unwinder), frames: frames, images: images(of: addresses))
        report.threadNameInherited = record.name_inherited != 0 ? true : nil
        return report
    }

    private static func string<T>(_ info: UnsafePointer<c_mode_crash_info>, _ field: KeyPath<c_mode_crash_info, T>)
        -> String
    {
        withUnsafeBytes(of: info.pointee[keyPath: field]) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func images(of addresses: [UInt]) -> [CrashReport.Image] {
        var images: [CrashReport.Image] = []
        for address in addresses {
            var bias: UInt = 0
            var path: UnsafePointer<CChar>? = nil
            guard c_mode_modules_lookup(address, &bias, &path) != 0, let path else { continue }
            let full = String(cString: path)
            if !images.contains(where: { $0.path == full }) {
                images.append(CrashReport.Image(name: String(cString: c_mode_basename(path)), path: full, loadBias: bias))
            }
        }
        return images
    }

    /// The best-effort part, on the `mode-crash` helper thread.
    static func writeBestEffort(_ info: UnsafePointer<c_mode_crash_info>) {
        guard let (configuration, fds) = current, configuration.symbolicate || configuration.sections != nil else {
            return
        }
        var report = coreReport(info)
        report.part = "symbolicated"
        // Repeated frames (a stack overflow) are symbolicated once: 128 copies overran the time budget.
        let (kept, runs) = RepeatedFrames.collapse(report.frames.map(\.address))
        report.repeatedFrames = runs.isEmpty ? nil : runs
        if configuration.symbolicate {
            let stack = RawStack(addresses: kept.map(\.address), unwinder: report.unwinder)
            report.frames = Symbolicator.shared.symbolicate(stack).map { frame in
                var frame = frame
                if frame.index < kept.count { frame.index = kept[frame.index].index }
                return frame
            }
        } else {
            report.frames = kept.map { report.frames[$0.index] }
        }
        report.sections = configuration.sections?(report) ?? []
        let text: String
        if configuration.format == .json {
            let record = CrashReportRecord(
                timestamp: timestamp(milliseconds: info.pointee.unix_time_ms), message: report.headline,
                crash: report)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(record) else { return }
            text = String(decoding: data, as: UTF8.self) + "\n"
        } else {
            text = report.render()
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                for fd in fds { _ = c_mode_write_all(fd, chars.baseAddress, chars.count) }
            }
        }
    }

    static func timestamp(milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }
}
