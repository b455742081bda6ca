// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for the decoders of untrusted bytes. See README.md in this folder.
let package = Package(
    name: "swift-lightning-fuzzing",
    dependencies: [
        .package(name: "swift-lightning", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzSnapshot",
            dependencies: [
                .product(name: "LightningCodecs", package: "swift-lightning"),
                .product(name: "LightningState", package: "swift-lightning"),
            ]
        ),
        .executableTarget(
            name: "FuzzJSON",
            dependencies: [.product(name: "LightningCodecs", package: "swift-lightning")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
