import Foundation
import ModeBenchSupport

/// Section 6 of `mode-compare`: the stall watchdog on a release build (``StallBench``), with Python mode's
/// `BlockingDetector` measured in the same run (the script's `blocking` suite), as rows of the table.
enum StallSuite {
    /// Runs the suite and adds its rows; `python` is the script's `blocking` line, if it ran.
    static func measure(into table: inout ComparisonTable, python: [String: Any]?, quick: Bool) {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let results = StallBench(executable: executable, quick: quick).run { print($0) }
        add(results, python: python, to: &table)
    }

    static func add(_ results: StallBench.Results, python: [String: Any]?, to table: inout ComparisonTable) {
        let suite = "6 stall"
        let timeoutMs = results.timeout * 1e3
        let budget = timeoutMs * 1.1 + 10
        let pyDelays = (python?["delays_s"] as? [Double])?.map { $0 * 1e3 } ?? []
        let pyPeer = pyDelays.isEmpty ? "py not measured" : "py \(spread(pyDelays))"
        let sets = [("first report, fresh process", results.first), ("first report, fresh process once idle", results.firstAfterIdle),
                    ("later report, same process", results.later)]
        for (name, delays) in sets {
            let count = delays.complete.count
            table.add(suite, "\(name) (\(count)): delay to complete report ms min/med/p99/max",
                      mode: spread(delays.complete), peer: pyPeer, goal: "p99 <= \(format(budget, 0))",
                      met: count > 0 && quantile(delays.complete, 0.99) <= budget)
            table.add(suite, "\(name): delay to first record ms (\(delays.split) of \(count) split core+symbols)",
                      mode: spread(delays.firstRecord), goal: "p99 <= \(format(budget, 0))",
                      met: count > 0 && quantile(delays.firstRecord, 0.99) <= budget)
            for path in delays.outlierLogs { table.notes.append("\(name): a first record more than 1.5 s after the block began; the child's output is in \(path)") }
            if name.hasSuffix("once idle") { continue }
            table.add(suite, "\(name): complete, by the record's own timestamp ms med/p99",
                      mode: "\(format(quantile(delays.completeByTimestamp, 0.5), 0)) / \(format(quantile(delays.completeByTimestamp, 0.99), 0))")
            table.add(suite, "\(name): reports naming service and task", mode: "\(delays.attributed) of \(count)",
                      goal: "all", met: count > 0 && delays.attributed == count)
            let busy = delays.busy
            let totals = delays.totals
            table.add(suite, "\(name): Blocking ended figure ms min/med/max (block \(results.blockMilliseconds) ms)",
                      mode: totals.isEmpty ? "-" : "\(totals.min()!) / \(Int(quantile(totals.map(Double.init), 0.5))) / \(totals.max()!)")
            // The figure is the time the job had held its thread when the watchdog looked (a 4 ms coarse-clock
            // tick): a report due at T and written a few ms late says so. It is exact when it lies between T and
            // the report's own deadline (T x 1.1 + 10 ms): never below T, never more than the report's lateness.
            let exact = busy.filter { $0 >= Int(timeoutMs) && Double($0) <= budget }.count
            table.add(suite, "\(name): busy-for figure ms min/max (T <= figure <= report deadline)",
                      mode: busy.isEmpty ? "-" : "\(busy.min()!) / \(busy.max()!) (\(exact) of \(busy.count))",
                      goal: "all in [\(format(timeoutMs, 0)), \(format(budget, 0))]",
                      met: !busy.isEmpty && exact == busy.count)
        }
        if let python {
            let reported = python["reported"] as? Int ?? 0
            let blocks = python["count"] as? Int ?? 0
            let interrupted = python["interrupted"] as? Int ?? 0
            let falseAlarms = python["false_alarms"] as? Int ?? 0
            table.add(suite, "Python BlockingDetector (T 0.5 s, sleep 0.6 s) delay ms min/med/p99/max",
                      mode: "", peer: "py \(spread(pyDelays)); \(reported)/\(blocks) reported, \(interrupted) blocks cut short, "
                          + "\(falseAlarms) alarms outside blocks")
        }
        let mib = { (kib: Int) in Double(kib) / 1024 }
        let idleDelta = mib(results.idleOnKiB - results.idleOffKiB)
        table.add(suite, "RSS idle MiB, watchdog on vs off (\(results.threads) threads)",
                  mode: format(mib(results.idleOnKiB), 1), peer: "off \(format(mib(results.idleOffKiB), 1))",
                  ratio: "+\(format(idleDelta, 1))", goal: "<= +16", met: results.idleOnKiB > 0 && idleDelta <= 16)
        let afterDelta = mib(results.afterOnKiB - results.idleOffKiB)
        table.add(suite, "RSS MiB after \(results.reportsMade) stall reports + \(results.stacksMade) stacks vs off idle",
                  mode: format(mib(results.afterOnKiB), 1),
                  peer: "off \(format(mib(results.idleOffKiB), 1)) (\(format(mib(results.afterOffKiB), 1)) after stacks)",
                  ratio: "+\(format(afterDelta, 1))", goal: "<= +32", met: results.afterOnKiB > 0 && afterDelta <= 32)
        let startOn = quantile(results.startOn, 0.5)
        let startOff = quantile(results.startOff, 0.5)
        table.add(suite, "Worker start → serving ms med (min–max), watchdog on vs off",
                  mode: "\(format(startOn, 1)) (\(range(results.startOn)))",
                  peer: "off \(format(startOff, 1)) (\(range(results.startOff)))",
                  ratio: "+\(format(startOn - startOff, 1))", goal: "<= +50", met: startOn - startOff <= 50)
        table.add(suite, "console stacks ms, first call (\(results.threads) threads)", mode: format(results.stacksFirst, 1),
                  peer: "off \(format(results.stacksOffFirst, 1))", goal: "<= 250", met: results.stacksFirst <= 250)
        let later = results.stacksLater
        table.add(suite, "console stacks ms, later calls (\(later.count)) med/p99/max",
                  mode: "\(format(quantile(later, 0.5), 1)) / \(format(quantile(later, 0.99), 1)) / \(format(later.max() ?? .nan, 1))",
                  peer: "off med \(format(quantile(results.stacksOffLater, 0.5), 1))", goal: "p99 <= 50",
                  met: !later.isEmpty && quantile(later, 0.99) <= 50)
        table.add(suite, "SIGUSR1 dump → log ms (\(results.usr1.count), after one stacks) / own capture+symbols",
                  mode: "\(spreadShort(results.usr1)) / \(spreadShort(results.usr1Own))", goal: "<= 50",
                  met: !results.usr1.isEmpty && results.usr1.max()! <= 50)
        table.add(suite, "busy-but-yielding \(format(results.yieldSeconds, 0)) s at T 0.2 s: reports (jobs run)",
                  mode: "\(results.yieldReports) (\(results.yieldJobs) jobs)", goal: "0", met: results.yieldReports == 0)
        for error in results.errors { table.notes.append("stall suite error: \(error)") }
        table.notes.append("stall suite: blocks of \(results.blockMilliseconds) ms at T = \(format(results.timeout, 1)) s; a fresh "
            + "process blocks right after serving (\"once idle\": after its RSS settled); delays are block start → the "
            + "record read from the child's stderr pipe (CLOCK_MONOTONIC, same clock in both processes); p99 is "
            + "nearest-rank, so with fewer than 100 samples it is the maximum")
    }

    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    static func spread(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "-" }
        return [values.min()!, quantile(values, 0.5), quantile(values, 0.99), values.max()!]
            .map { format($0, 0) }.joined(separator: " / ")
    }

    static func spreadShort(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "-" }
        return values.map { format($0, 0) }.joined(separator: ", ")
    }

    static func range(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "-" }
        return "\(format(low, 0))–\(format(high, 0))"
    }
}
