// swift-tools-version:6.1
import PackageDescription

// swift-mode's benchmarks: its own package so the library never depends on the benchmark tooling.
// Run: swift package --package-path Benchmarks benchmark
// Compare with peers: swift run -c release --package-path Benchmarks mode-compare
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-mode-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-mode", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C: glibc's mallinfo2 (not visible through the Glibc module).
        .target(name: "CModeBenchSupport"),
        .target(
            name: "ModeBenchSupport",
            dependencies: [
                "CModeBenchSupport",
                .product(name: "ModeCore", package: "swift-mode"),
                .product(name: "ModeDiagnostics", package: "swift-mode"),
                .product(name: "ModeConsole", package: "swift-mode"),
                .product(name: "ModeWorker", package: "swift-mode"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ModeBenchmarks",
            dependencies: [
                "ModeBenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModeBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "mode-compare",
            dependencies: ["ModeBenchSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
