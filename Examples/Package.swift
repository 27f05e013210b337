// swift-tools-version:6.1
import PackageDescription

// The runnable examples of swift-mode: `swift run --package-path Examples <Name>`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-mode-examples",
    platforms: [.macOS(.v15)],
    dependencies: [
        // In a real project: .package(url: "https://github.com/<you>/swift-mode", from: "0.1.0")
        .package(name: "swift-mode", path: "../"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "PageViewCache",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "PageViewCache",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "RuntimeDependency",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "RuntimeDependency",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BackgroundTasks",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "BackgroundTasks",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PageViews",
            dependencies: [
                .product(name: "Mode", package: "swift-mode"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "PageViews",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StallDemo",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "StallDemo",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CrashDemo",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "CrashDemo",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Graph",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "Graph",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Supervised",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "Supervised",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Timers",
            dependencies: [.product(name: "Mode", package: "swift-mode")],
            path: "Timers",
            swiftSettings: swiftSettings
        ),
    ]
)
