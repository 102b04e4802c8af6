import Detection
import Foundation
import NeuralNet
import TestScratch
import VideoIO
import XCTest
@testable import SSMTL

/// The COCO appearance features (`PretrainedAppearance`): the network is YOLOv3-tiny's first fourteen layers and reads
/// the first floats of a YOLOv3-tiny .weights file; its features are the full network's layer 13 averaged and scaled
/// to unit length; other files are refused; the checksum follows the values used; a model records them and scoring
/// finds, checks or refuses them.
final class PretrainedAppearanceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Models/yolov3-tiny.cfg at `side` x `side`.
    static func yoloV3Tiny(side: Int) throws -> DarknetNetwork {
        let text = try String(contentsOf: root.appendingPathComponent("Models/yolov3-tiny.cfg"), encoding: .utf8)
            .replacingOccurrences(of: "width=416", with: "width=\(side)").replacingOccurrences(of: "height=416", with: "height=\(side)")
        return try DarknetNetwork.parse(text, file: "yolov3-tiny.cfg")
    }

    /// YOLOv3-tiny weights of random values (seeded), made once per test run, and the bytes of their .weights file.
    static let random: (network: DarknetNetwork, weights: DarknetWeights, file: Data) = {
        let network = try! yoloV3Tiny(side: 32)
        var state: UInt64 = 12345
        let weights = DarknetWeights.generated(for: network) { layer, slot, _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let centred = Float(state >> 40) / Float(1 << 24) - 0.5
            guard slot == 4, case let .convolutional(spec) = network.layers[layer].kind else { return 1 + 0.1 * centred }
            // He-like weights (variance 2 / fan-in), so every layer passes on what it sees: features that differ
            // from crop to crop, as real ones do (tiny random weights give every crop nearly the same features).
            let fanIn = Float(network.layers[layer].input.c * spec.size * spec.size)
            return centred * (24 / fanIn).squareRoot()
        }
        return (network, weights, try! weights.encode(network: network))
    }()

    /// `random`'s .weights file in a scratch folder of this test, its folder, and the values.
    func randomWeights() throws -> (path: String, folder: String, network: DarknetNetwork, weights: DarknetWeights) {
        let folder = try makeScratchFolder("ssmtl-coco-features")
        let path = folder + "/yolov3-tiny.weights"
        try Self.random.file.write(to: URL(fileURLWithPath: path))
        return (path, folder, Self.random.network, Self.random.weights)
    }

    func testTheFeatureNetworkIsYoloV3TinysFirstFourteenLayers() throws {
        let full = try Self.yoloV3Tiny(side: 64)
        XCTAssertEqual(full.parameterCount, PretrainedAppearance.yoloV3TinyParameterCount)
        let features = try DarknetNetwork.parse(PretrainedAppearance.cfg(side: 64))
        XCTAssertEqual(features.layers.count, 15)
        for i in 0..<14 {
            XCTAssertEqual(features.layers[i].kind.name, full.layers[i].kind.name, "layer \(i)")
            XCTAssertEqual(features.layers[i].output, full.layers[i].output, "layer \(i)")
            XCTAssertEqual(features.parameterCount(of: features.layers[i]), full.parameterCount(of: full.layers[i]), "layer \(i)")
        }
        XCTAssertEqual(features.layers[14].kind.name, "avg")
        XCTAssertEqual(features.layers[14].output.count, PretrainedAppearance.dimension)
        XCTAssertEqual(features.parameterCount, 6_561_648, "layers 0-13 of the 8,858,734 floats")
    }

    /// Layer 13 of the whole network (read from the same file) averaged over its plane and scaled to unit length.
    func testFeaturesAreLayer13OfTheWholeNetworkAveragedAndUnitScaled() throws {
        let (path, _, network, weights) = try randomWeights()
        let appearance = try PretrainedAppearance(weightsPath: path, side: 32)
        let n = 5, input = 3 * 32 * 32
        var crops = [Float](repeating: 0, count: n * input)
        for i in crops.indices { crops[i] = Float((i * 7919) % 1000) / 1000 }
        Threads.configure(threads: 2, preferBLAS: false)  // the objects split between two workers
        defer { Threads.configure(threads: 1) }
        let features = crops.withUnsafeBufferPointer { appearance.features($0.baseAddress!, count: n) }
        XCTAssertEqual(features.count, n * 256)
        let whole = try DarknetRunner(network: network, weights: weights)
        for i in 0..<n {
            let layer13 = try XCTUnwrap(whole.forward(Array(crops[(i * input)..<((i + 1) * input)]), keep: [13])[13])
            let plane = layer13.count / 256
            XCTAssertEqual(plane, 1, "32 x 32 crops end in a 1 x 1 plane")
            var mean = (0..<256).map { c in (0..<plane).reduce(Float(0)) { $0 + layer13[c * plane + $1] } / Float(plane) }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertGreaterThan(norm, 0)
            mean = mean.map { $0 / norm }
            let row = Array(features[(i * 256)..<((i + 1) * 256)])
            XCTAssertEqual(row.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "object \(i): unit length")
            XCTAssertLessThan(zip(row, mean).map { abs($0 - $1) }.max()!, 1e-5, "object \(i)")
        }
        XCTAssertNotEqual(Array(features[0..<256]), Array(features[256..<512]), "different crops, different features")
    }

    func testOtherFilesAreRefusedAndTheChecksumFollowsTheValuesUsed() throws {
        let (path, folder, network, weights) = try randomWeights()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for (name, bytes) in [("short", data.prefix(data.count - 4)), ("long", data + Data(count: 4))] {
            let bad = folder + "/\(name).weights"
            try bytes.write(to: URL(fileURLWithPath: bad))
            XCTAssertThrowsError(try PretrainedAppearance(weightsPath: bad, side: 32)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(bad) && text.contains("too \(name)"), text)
            }
        }
        XCTAssertThrowsError(try PretrainedAppearance(weightsPath: folder + "/missing.weights", side: 32)) {
            XCTAssertTrue("\($0)".contains("Scripts/fetch_models.sh"), "\($0)")
        }
        let reference = try PretrainedAppearance(weightsPath: path, side: 32).checksum
        XCTAssertEqual(reference.count, 8)
        // A value the features read (layer 0) changes the checksum; one they do not (layer 15) leaves it.
        for (layer, changes) in [(0, true), (15, false)] {
            var changed = weights
            changed.layers[layer].weights[0] += 1
            let file = folder + "/layer\(layer).weights"
            try changed.write(to: file, network: network)
            let checksum = try PretrainedAppearance(weightsPath: file, side: 32).checksum
            XCTAssertEqual(checksum != reference, changes, "layer \(layer)")
        }
    }

    func testTheCheckpointRecordsTheWeights() throws {
        var info = CheckpointInfo(network: NetworkConfig(variant: .shallowNarrow), teacherWidth: 0, learningRate: 1e-3, batchSize: 64,
                                  seed: 1, epochsPlanned: 1, detector: [:])
        XCTAssertNil(try CheckpointInfo(metadata: info.metadata, path: "m").appearanceWeights)
        info.appearanceWeights = AppearanceWeights(path: "/models/yolov3-tiny.weights", checksum: "0123abcd")
        let metadata = info.metadata
        XCTAssertEqual(metadata["appearance_features"], "yolov3-tiny-coco")
        XCTAssertEqual(try CheckpointInfo(metadata: metadata, path: "m"), info)
        for (key, value, message) in [("appearance_features", "resnet", "this version knows 'yolov3-tiny-coco'"),
                                      ("appearance_weights_crc32", "12", "8-digit hex"),
                                      ("appearance_weights_crc32", "0123abcz", "8-digit hex")] {
            var bad = metadata
            bad[key] = value
            XCTAssertThrowsError(try CheckpointInfo(metadata: bad, path: "m.safetensors")) {
                XCTAssertTrue("\($0)".contains("m.safetensors") && "\($0)".contains(message), "\($0)")
            }
        }
    }

    /// A tiny model trained with the features records them and its bank has their size; scoring finds the weights
    /// where train did, takes them from elsewhere when told, and refuses missing or different weights in one line.
    func testAModelTrainedWithTheFeaturesScoresWithTheSameWeightsOnly() throws {
        let (weights, scratch, network, values) = try randomWeights()
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        var options = TrainingRunTests.tinyOptions(epochs: 1)
        options.appearanceWeights = weights
        let model = scratch + "/m.safetensors"
        let (info, events) = try TrainingRunTests.train(videos, to: model, options)
        let checksum = try PretrainedAppearance(weightsPath: weights, side: 16).checksum
        XCTAssertEqual(info.appearanceWeights, AppearanceWeights(path: weights, checksum: checksum))
        XCTAssertTrue(events.contains { if case .note(let text) = $0 { return text.contains("COCO YOLOv3-tiny") && text.contains(checksum) }; return false })
        let loaded = try ModelCheckpoint.loadForScoring(model)
        XCTAssertEqual(loaded.model.appearanceBank?.dimension, 256)
        XCTAssertGreaterThan(loaded.statistics.weights[4], 0, "the appearance score is used")

        func score(_ folder: String, weights override: String? = nil) throws -> String {
            var scoring = ScoringOptions(outputFolder: scratch + "/" + folder)
            scoring.appearanceWeights = override
            _ = try ScoringRun(modelPath: model).score(try discoverVideos([videos[0]]), options: scoring)
            return try String(contentsOfFile: scratch + "/\(folder)/video0.csv", encoding: .utf8)
        }
        let first = try score("s1")
        let moved = scratch + "/moved.weights"
        try FileManager.default.moveItem(atPath: weights, toPath: moved)
        XCTAssertThrowsError(try score("s2")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(model) && text.contains("--appearance-weights") && text.contains(checksum), text)
            XCTAssertFalse(text.contains("\n"), "one line")
        }
        XCTAssertEqual(try score("s3", weights: moved), first, "the same weights elsewhere score the same")
        var other = values
        other.layers[2].weights[5] += 1
        let different = scratch + "/different.weights"
        try other.write(to: different, network: network)
        XCTAssertThrowsError(try score("s4", weights: different)) { error in
            XCTAssertTrue("\(error)".contains("crc32 \(checksum)") && "\(error)".contains(different), "\(error)")
        }
    }
}
