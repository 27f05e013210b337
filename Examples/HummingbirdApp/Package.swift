// swift-tools-version:6.1
import PackageDescription

// "Can I use it with my web framework?" — a Hummingbird 2 application as a service in a swift-mode tree.
// Its own package, so that the main examples build without Hummingbird:
//     swift run --package-path Examples/HummingbirdApp HummingbirdInTree
let package = Package(
    name: "swift-mode-hummingbird-example",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-mode", path: "../../"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdInTree",
            dependencies: [
                .product(name: "Mode", package: "swift-mode"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ]
)
