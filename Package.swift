// swift-tools-version: 6.1
import PackageDescription

// Modules depend one way: state tree → codecs → snapshot store → app framework → tools and examples.
let package = Package(
    name: "swift-lightning",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Lightning", targets: ["Lightning"]),
        .library(name: "LightningState", targets: ["LightningState"]),
        .library(name: "LightningCodecs", targets: ["LightningCodecs"]),
        .library(name: "LightningStore", targets: ["LightningStore"]),
        .library(name: "LightningS3", targets: ["LightningS3"]),
        .library(name: "LightningCLI", targets: ["LightningCLI"]),
        .library(name: "LightningServiceLifecycle", targets: ["LightningServiceLifecycle"]),
        // Synthetic states for the benchmarks package (Benchmarks/), which cannot see package-level
        // declarations. Not API: the leading underscore is the ecosystem's mark for that.
        .library(name: "_LightningBenchmarkSupport", targets: ["LightningBench"]),
        .executable(name: "lightning-checkpoint", targets: ["LightningCheckpointTool"]),
        .executable(name: "counter-app", targets: ["CounterApp"]),
        .executable(name: "dynamic-app", targets: ["DynamicApp"]),
        .executable(name: "churn-app", targets: ["ChurnApp"]),
        .executable(name: "service-app", targets: ["ServiceApp"]),
        .executable(name: "train-app", targets: ["TrainApp"]),
    ],
    // S3 support pulls in AsyncHTTPClient, SwiftNIO and swift-crypto: an app that keeps its
    // checkpoints on local storage only can leave it out with `traits: []` (README, "Adding it to a package, and a light build for local apps").
    traits: [
        .trait(name: "S3", description: "Checkpoints on S3-compatible object storage for LightningCLI's --storage s3://… (AsyncHTTPClient, SwiftNIO, swift-crypto)."),
        .default(enabledTraits: ["S3"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .target(
            name: "LightningState",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "LightningCodecs", dependencies: ["LightningState", "CZlib"]),
        .target(name: "LightningStore", dependencies: ["LightningCodecs"]),
        .target(
            name: "LightningS3",
            dependencies: [
                "LightningStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LightningCLI",
            dependencies: [
                "Lightning",
                "LightningCodecs",
                .target(name: "LightningS3", condition: .when(traits: ["S3"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "LightningBench", dependencies: ["Lightning", "LightningCodecs"]),
        // The Service adapter lives apart, so that the core does not depend on swift-service-lifecycle.
        .target(
            name: "LightningServiceLifecycle",
            dependencies: ["Lightning", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "Lightning",
            dependencies: [
                "LightningStore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "LightningCheckpointTool",
            dependencies: [
                "LightningBench",
                "LightningCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "CounterApp", dependencies: ["Lightning", "LightningCLI"]),
        .executableTarget(name: "DynamicApp", dependencies: ["Lightning", "LightningCLI"]),
        .executableTarget(
            name: "ServiceApp",
            dependencies: [
                "Lightning", "LightningCLI", "LightningServiceLifecycle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "ChurnApp", dependencies: ["Lightning", "LightningCLI", "LightningCodecs", "LightningState"]),
        .executableTarget(name: "TrainApp", dependencies: ["Lightning", "LightningCLI"]),

        .target(name: "LightningTestSupport", dependencies: ["LightningState", "LightningStore"], path: "Tests/LightningTestSupport"),
        .testTarget(name: "LightningStateTests", dependencies: ["LightningState", "LightningTestSupport"]),
        .testTarget(
            name: "LightningCodecsTests",
            dependencies: ["LightningCodecs", "LightningTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LightningStoreTests", dependencies: ["LightningStore", "LightningCodecs", "LightningTestSupport"]),
        .testTarget(
            name: "LightningTests",
            dependencies: [
                "Lightning", "LightningBench", "LightningCodecs", "LightningStore", "LightningTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "LightningS3Tests",
            dependencies: [
                "LightningS3", "LightningCLI", "LightningTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LightningCheckpointToolTests",
            dependencies: [
                "LightningCheckpointTool", "CounterApp", "DynamicApp", "ChurnApp", "ServiceApp", "TrainApp", "LightningCLI", "LightningState", "LightningStore", "LightningTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
