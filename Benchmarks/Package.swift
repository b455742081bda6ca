// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that the main package's build and tests never compile
// package-benchmark. Run them from this folder:
//   swift package --disable-sandbox benchmark --no-progress
let package = Package(
    name: "swift-lightning-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // `name:` makes the identity independent of the folder a clone lives in.
        .package(name: "swift-lightning", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CheckpointBenchmarks",
            dependencies: [
                .product(name: "Lightning", package: "swift-lightning"),
                .product(name: "_LightningBenchmarkSupport", package: "swift-lightning"),
                .product(name: "LightningCodecs", package: "swift-lightning"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CheckpointBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
