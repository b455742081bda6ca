// swift-tools-version: 6.1
import PackageDescription

// The getting-started app of README and the DocC article, as a package of its own. It uses local
// storage only, so it leaves out swift-lightning's S3 trait (and with it the HTTP and crypto
// stack): a light first build. An app of yours names the package by URL instead of by path.
let package = Package(
    name: "GettingStarted",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-lightning", path: "../..", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "MyApp",
            dependencies: [
                .product(name: "Lightning", package: "swift-lightning"),
                .product(name: "LightningCLI", package: "swift-lightning"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        )
    ]
)
