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
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Pipeline modules
        // Removes temporaries in progress when a signal ends the process (C: an async-signal-safe handler).
        .target(name: "CSignalCleanup"),
        .target(name: "AtomicFile", dependencies: ["CSignalCleanup"]),
        .target(name: "VideoIO", dependencies: ["CFFmpeg", "AtomicFile"]),
        .target(name: "Randomness"),
        // The direct 3x3x3 convolution of the RGB first layer (C: AVX2 + FMA chosen at run time).
        .target(name: "CConvKernels"),
        .target(name: "NeuralNet", dependencies: ["CBLAS", "CConvKernels", "AtomicFile"]),
        .target(name: "SSMTL", dependencies: ["VideoIO", "Randomness", "NeuralNet", "Detection", "Evaluation", "AtomicFile", "CZlib"]),
        .target(name: "SyntheticData", dependencies: ["VideoIO", "Randomness", "Evaluation"]),
        .target(name: "Evaluation", dependencies: ["VideoIO", "CZlib"]),
        .target(name: "Detection", dependencies: ["VideoIO", "NeuralNet", "CBLAS"]),
        // `ssmtl report`: one HTML page to review a folder of scores (charts, events, thumbnails, metrics).
        .target(name: "Reporting", dependencies: ["Evaluation", "VideoIO", "AtomicFile"]),

        // MARK: - Command line
        .executableTarget(
            name: "ssmtl",
            dependencies: [
                "VideoIO",
                "SyntheticData",
                "Evaluation",
                "Detection",
                "NeuralNet",
                "SSMTL",
                "Reporting",
                "AtomicFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        // Scratch folders removed at each test's teardown, shared by the test targets.
        .target(name: "TestScratch", dependencies: ["VideoIO", "Randomness"], path: "Tests/TestScratch"),
        .testTarget(name: "VideoIOTests", dependencies: ["TestScratch", "VideoIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SSMTLTests", dependencies: ["TestScratch", "SSMTL", "Evaluation", "VideoIO", "Randomness", "Detection", "NeuralNet"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestScratch", "Evaluation", "VideoIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportingTests", dependencies: ["TestScratch", "Reporting", "Evaluation", "VideoIO"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "VideoIO", "NeuralNet"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SyntheticDataTests", dependencies: ["TestScratch", "SyntheticData", "VideoIO"]),
        // Runs the built `ssmtl` binary as a user would (exit codes, stderr lines, files left behind).
        .testTarget(name: "CLITests", dependencies: ["TestScratch", "VideoIO", "Detection"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "SSMTL"], resources: [.copy("Fixtures")]),
    ]
)
