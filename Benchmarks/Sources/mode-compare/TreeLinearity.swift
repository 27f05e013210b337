import Foundation
import ModeBenchSupport

/// Whether a tree's start+stop cost per service stays flat from 100 to 10,000 services (issue 18's "linear").
///
/// Each size is measured in a fresh child process (this program, re-executed with `--tree-child`): warm-up trees
/// first, then timed ones, all of that one size. In the main tree suite the large tree is built in the holes the
/// previous samples freed (a 58 MB ServiceGroup tree just before it): where its nodes land decides its cache misses,
/// and that placement varies from run to run, while a 100-service tree always fits in the cache. The ratio is
/// about the library's work per service as the tree grows, so both sizes are measured on a heap of their own;
/// the suite's interleaved figure is reported next to it.
///
/// ```swift
/// let growth = try TreeLinearity.measure(fanout: 10, rounds: 3)
/// ```
enum TreeLinearity {
    struct Result {
        var small: Double
        var large: Double
        var growth: Double { large / small }
    }

    /// Medians of the per-service start+stop cost (µs) of N=100 and N=10,000 trees, `rounds` child processes each,
    /// alternating sizes.
    static func measure(fanout: Int?, rounds: Int) throws -> Result {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var small: [Double] = []
        var large: [Double] = []
        for _ in 0..<rounds {
            small += try child(executable, count: 100, fanout: fanout, samples: 60)
            large += try child(executable, count: 10_000, fanout: fanout, samples: 12)
        }
        return Result(small: median(small), large: median(large))
    }

    struct ChildFailed: Error, CustomStringConvertible {
        var description: String
    }

    private static func child(_ executable: String, count: Int, fanout: Int?, samples: Int) throws -> [Double] {
        let fanoutArgument = fanout.map(String.init) ?? "flat"
        let (status, output) = PythonMode.run(
            executable, ["--tree-child", "\(count)", fanoutArgument, "\(samples)"])
        let costs = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard status == 0, costs.count == samples else {
            throw ChildFailed(description: "tree child \(count) \(fanoutArgument) exited \(status): \(output.prefix(200))")
        }
        return costs
    }

    /// The child: `--tree-child <count> <fanout|flat> <samples>`. Runs 3 warm-up trees, then prints the timed
    /// trees' start+stop cost per service (µs), space-separated, and exits.
    static func runChild(_ arguments: [String]) async -> Never {
        guard arguments.count >= 5, let count = Int(arguments[2]), let samples = Int(arguments[4]) else {
            FileHandle.standardError.write(Data("usage: --tree-child <count> <fanout|flat> <samples>\n".utf8))
            exit(2)
        }
        let shape = ServiceShape(count: count, fanout: Int(arguments[3]))
        var costs: [String] = []
        do {
            for _ in 0..<3 { _ = try await ModeTreeBench.run(shape, measuringHeap: false) }
            for _ in 0..<samples {
                let sample = try await ModeTreeBench.run(shape, measuringHeap: false)
                costs.append(format(sample.startMicrosecondsPerService + sample.stopMicrosecondsPerService, 4))
            }
        } catch {
            FileHandle.standardError.write(Data("tree child: \(error)\n".utf8))
            exit(1)
        }
        print(costs.joined(separator: " "))
        exit(0)
    }
}
