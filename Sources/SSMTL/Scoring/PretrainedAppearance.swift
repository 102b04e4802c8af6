import CZlib
import Detection
import Foundation
import NeuralNet

// Appearance features from a network trained on COCO's eighty classes (criterion step 9b, experiment step 41 in
// docs/experiments.md): the first fourteen layers of YOLOv3-tiny (six 3x3 convolutions with max pooling, the 1024-
// channel 3x3 and the 256-channel 1x1 convolution) run on each object's centre crop, averaged over the plane and scaled
// to unit length. The multi-task network's own features only know the training scene's objects; these know what a
// bicycle, a car or a bag looks like, which is what an object new to the scene usually is. The bank, the distances
// and the calibration are those of `AppearanceNovelty.swift`; only the features differ.

/// The COCO feature extractor: YOLOv3-tiny's layers 0-13 on the `side` x `side` centre crops of the objects.
public final class PretrainedAppearance {
    /// Floats after the header of a YOLOv3-tiny COCO .weights file (Models/yolov3-tiny.cfg): the file given must be
    /// one, of which the features read the first layers.
    public static let yoloV3TinyParameterCount = 8_858_734
    /// The checkpoint's `appearance_features` value for these features.
    public static let name = "yolov3-tiny-coco"

    private let runner: DarknetRunner
    /// The weights file, as given.
    public let weightsPath: String
    /// CRC-32 of the weight values the features use (the first layers of the file), as 8 hex digits: a model records
    /// it, and scoring refuses other weights.
    public let checksum: String
    /// Floats per object: the channels of layer 13.
    public static let dimension = 256
    public var dimension: Int { Self.dimension }

    /// The cfg of the feature network for crops of `side` pixels. The features were chosen at 64 (the default crop);
    /// Darknet's pooling keeps a plane of one pixel at one, so smaller crops run too (the tests' 16).
    public static func cfg(side: Int) -> String {
        var text = "[net]\nwidth=\(side)\nheight=\(side)\nchannels=3\n"
        func conv(_ filters: Int, _ size: Int) {
            text += "\n[convolutional]\nbatch_normalize=1\nfilters=\(filters)\nsize=\(size)\nstride=1\npad=1\nactivation=leaky\n"
        }
        for (k, filters) in [16, 32, 64, 128, 256, 512].enumerated() {
            conv(filters, 3)
            text += "\n[maxpool]\nsize=2\nstride=\(k < 5 ? 2 : 1)\n"
        }
        conv(1024, 3)
        conv(256, 1)
        text += "\n[avgpool]\n"
        return text
    }

    /// Loads the features for crops of `side` pixels from a YOLOv3-tiny COCO .weights file; another file (by its size)
    /// is refused.
    public init(weightsPath: String, side: Int) throws {
        let network = try DarknetNetwork.parse(Self.cfg(side: side), file: "yolov3-tiny layers 0-13")
        guard let data = FileManager.default.contents(atPath: weightsPath) else {
            throw DarknetError(weightsPath, "cannot read the file (Scripts/fetch_models.sh fetches the COCO YOLOv3-tiny weights)")
        }
        let weights = try DarknetWeights.decode(data, network: network, file: weightsPath,
                                                fileParameterCount: Self.yoloV3TinyParameterCount)
        runner = try DarknetRunner(network: network, weights: weights)
        self.weightsPath = weightsPath
        // The header and the floats the features read: the file without the layers after 13.
        let used = data.prefix(data.count - 4 * (Self.yoloV3TinyParameterCount - network.parameterCount))
        let crc = used.withUnsafeBytes { crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        checksum = String(format: "%08x", UInt32(truncatingIfNeeded: crc))
    }

    /// Unit-length features of `n` crops (N, 3, side, side) in [0, 1], RGB: (n, dimension) row-major. The objects are
    /// split between the Swift workers, each running the network on its share as one batch.
    public func features(_ crops: UnsafePointer<Float>, count n: Int) -> [Float] {
        let input = runner.network.input.count, d = dimension, last = runner.network.layers.count - 1
        var out = [Float](repeating: 0, count: n * d)
        out.withUnsafeMutableBufferPointer { ob in
            let outBase = ob.baseAddress!
            parallelChunks(n) { _, range in
                guard !range.isEmpty else { return }
                let inputs = range.map { Array(UnsafeBufferPointer(start: crops + $0 * input, count: input)) }
                // The runner's errors are about input sizes, which the plan above fixes.
                let outputs = try! runner.forward(batch: inputs)
                for (k, i) in range.enumerated() {
                    let row = outBase + i * d
                    let values = outputs[k][last]!
                    var norm: Float = 0
                    for j in 0..<d { norm += values[j] * values[j] }
                    let scale: Float = norm > 0 ? 1 / norm.squareRoot() : 0
                    for j in 0..<d { row[j] = values[j] * scale }
                }
            }
        }
        return out
    }
}
