// swift-tools-version:6.1
import PackageDescription

// "Can I use it with my web framework?" — two ways, in their own package so the main examples build without
// Hummingbird:
//     swift run --package-path Examples/HummingbirdApp HummingbirdInGroup   # the app's ServiceGroup + a Worker
//     swift run --package-path Examples/HummingbirdApp HummingbirdInTree    # Hummingbird inside a swift-mode tree
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-mode-hummingbird-example",
    dependencies: [
        .package(name: "swift-mode", path: "../../"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdInGroup",
            dependencies: [
                .product(name: "Mode", package: "swift-mode"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HummingbirdInTree",
            dependencies: [
                .product(name: "Mode", package: "swift-mode"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        )
    ]
)
