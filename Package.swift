// swift-tools-version:6.0
// ssmtl: object-centric self-supervised multi-task video anomaly detection.
// One module per stage of the pipeline: video -> detection -> sequences -> network -> scoring -> evaluation.
import PackageDescription

let package = Package(
    name: "ssmtl",
    products: [
        .executable(name: "ssmtl", targets: ["ssmtl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries (one shim header each)
        .systemLibrary(
            name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Pipeline modules
        .target(name: "VideoIO", dependencies: ["CFFmpeg"]),
        .target(name: "NeuralNet", dependencies: ["CBLAS"]),
        .target(name: "SSMTL", dependencies: ["NeuralNet"]),

        // MARK: - Command line
        .executableTarget(
            name: "ssmtl",
            dependencies: [
                "VideoIO",
                "NeuralNet",
                "SSMTL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "SSMTL"], resources: [.copy("Fixtures")]),
    ]
)
