// swift-tools-version: 6.1
import PackageDescription

// Modules depend one way: state tree → codecs → snapshot store → app framework → tools and examples.
let package = Package(
    name: "swift-lightning",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Lightning", targets: ["Lightning"]),
        .library(name: "LightningState", targets: ["LightningState"]),
        .library(name: "LightningCodecs", targets: ["LightningCodecs"]),
        .library(name: "LightningBench", targets: ["LightningBench"]),
        .executable(name: "lightning-checkpoint", targets: ["LightningCheckpointTool"]),
        .executable(name: "counter-app", targets: ["CounterApp"]),
        .executable(name: "dynamic-app", targets: ["DynamicApp"]),
        .executable(name: "churn-app", targets: ["ChurnApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .target(
            name: "LightningState",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "LightningCodecs", dependencies: ["LightningState", "CZlib"]),
        .target(name: "LightningStore", dependencies: ["LightningCodecs"]),
        .target(name: "LightningBench", dependencies: ["Lightning"]),
        .target(
            name: "Lightning",
            dependencies: [
                "LightningStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "LightningCheckpointTool",
            dependencies: [
                "LightningBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "CounterApp", dependencies: ["Lightning"]),
        .executableTarget(name: "DynamicApp", dependencies: ["Lightning"]),
        .executableTarget(name: "ChurnApp", dependencies: ["Lightning", "LightningCodecs", "LightningState"]),

        .target(name: "LightningTestSupport", dependencies: ["LightningState", "LightningStore"], path: "Tests/LightningTestSupport"),
        .testTarget(name: "LightningStateTests", dependencies: ["LightningState", "LightningTestSupport"]),
        .testTarget(
            name: "LightningCodecsTests",
            dependencies: ["LightningCodecs", "LightningTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LightningStoreTests", dependencies: ["LightningStore", "LightningCodecs", "LightningTestSupport"]),
        .testTarget(name: "LightningTests", dependencies: ["Lightning", "LightningCodecs", "LightningStore", "LightningTestSupport"]),
        .testTarget(
            name: "LightningCheckpointToolTests",
            dependencies: ["LightningCheckpointTool", "CounterApp", "DynamicApp", "ChurnApp", "LightningStore", "LightningTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
