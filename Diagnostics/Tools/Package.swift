// swift-tools-version:6.1
import PackageDescription

// Operator tools for diagnosing a running swift-mode deployment. Its own package so that the library's
// dependency graph stays small: nothing here is linked into a user's program.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "mode-tools",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mode-console", targets: ["mode-console"]),
        .executable(name: "mode-symbolicate", targets: ["mode-symbolicate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Only for the tests: they run mode-console against a real ModeConsole server.
        .package(name: "swift-mode", path: "../.."),
    ],
    targets: [
        // `mode-console [host:port] [command...]`: a scriptable client for the Worker's debug console.
        .executableTarget(
            name: "mode-console",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // `mode-symbolicate`: turns module+offset frames of stall and crash reports into symbols.
        .executableTarget(
            name: "mode-symbolicate",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Runs the built mode-console binary against a real DebugConsole on an ephemeral port.
        .testTarget(
            name: "mode-consoleTests",
            dependencies: ["mode-console", .product(name: "ModeConsole", package: "swift-mode")],
            swiftSettings: swiftSettings
        ),
    ]
)
