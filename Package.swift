// swift-tools-version:6.1
import PackageDescription

// Shared settings: Swift 6 language mode everywhere, with the upcoming features the style guide asks for.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    // Linux only (the diagnostics read /proc, install signal handlers and unwind with libunwind): no Apple
    // platform minimum is claimed. See CONTRIBUTING.md, "Platforms".
    name: "swift-mode",
    products: [
        .library(name: "Mode", targets: ["Mode"]),
        .library(name: "ModeCore", targets: ["ModeCore"]),
        .library(name: "ModeDiagnostics", targets: ["ModeDiagnostics"]),
        .library(name: "ModeConsole", targets: ["ModeConsole"]),
        .library(name: "ModeWorker", targets: ["ModeWorker"]),
        .library(name: "ModeTestKit", targets: ["ModeTestKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // The Worker's /metrics endpoint: Prometheus text exposition of its swift-metrics instruments.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Test only: property-based tests of the service lifecycle (random trees and interleavings).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C: signal handlers, libunwind (dlopen'ed), sigaltstack, thread slots. Symbols prefixed c_mode_.
        .target(
            name: "CModeSupport",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        // The threads and the job queue every executor and background thread of the package is built from.
        .target(
            name: "ModeThreads",
            dependencies: ["CModeSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ModeDiagnostics",
            dependencies: ["CModeSupport", "ModeThreads", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "CModePrefetch"),
        .target(
            name: "ModeCore",
            dependencies: [
                "ModeThreads", "CModePrefetch",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ModeConsole",
            dependencies: [
                "ModeThreads",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ModeWorker",
            dependencies: [
                "ModeCore", "ModeDiagnostics", "ModeConsole",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Mode",
            dependencies: [
                "ModeCore", "ModeDiagnostics", "ModeConsole", "ModeWorker",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ModeTestKit",
            dependencies: ["ModeCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Child-process fixtures for the tests that need a real process (signals, crashes, stalls, console).
        .executableTarget(
            name: "ModeDiagnosticsFixture",
            dependencies: ["ModeDiagnostics", "CModeSupport", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fixtures/ModeDiagnosticsFixture",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ModeWorkerFixture",
            dependencies: [
                "Mode",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Fixtures/ModeWorkerFixture",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ModeWorkerCommandFixture",
            dependencies: ["Mode", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/Fixtures/ModeWorkerCommandFixture",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeCoreTests",
            dependencies: [
                "ModeCore", "ModeTestKit",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeThreadsTests",
            dependencies: ["ModeThreads"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeDiagnosticsTests",
            dependencies: ["ModeDiagnostics", "ModeThreads", "CModeSupport", "ModeTestKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeConsoleTests",
            dependencies: [
                "ModeConsole", "ModeTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeWorkerTests",
            dependencies: [
                "ModeWorker", "ModeTestKit", "Mode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModeTestKitTests",
            dependencies: ["ModeTestKit", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
    ]
)
