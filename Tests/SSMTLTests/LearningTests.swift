import Foundation
import XCTest
import TestScratch
@testable import SSMTL
import Detection
import NeuralNet
import VideoIO

/// Knows where the squares of `MovingSquares` are: boxes 12 x 12 around each square's position in the frame.
final class SquareDetector: ObjectDetector {
    let clip: MovingSquares.Clip
    init(_ clip: MovingSquares.Clip) { self.clip = clip }
    func detect(_ frame: Frame) throws -> [DetectionBox] {
        clip.squares.map { sq in
            let x = sq.x(frame.index), y = sq.y
            return DetectionBox(x1: x - 2, y1: y - 2, x2: x + 10, y2: y + 10)
        }
    }
}

/// Small clips of coloured 8 x 8 squares with a dark stripe, all drifting right at one pixel per frame over a
/// textured background: forward motion is always rightward, so the arrow of time is learnable, and jumps of
/// several frames are visible as large shifts.
enum MovingSquares {
    struct Square { var x0: Int; var y: Int; var colour: (UInt8, UInt8, UInt8); func x(_ t: Int) -> Int { x0 + t } }
    struct Clip { var squares: [Square]; var source: VideoSource }
    static let width = 96, height = 48, frames = 48

    /// Writes the clips' frame folders under `root` (a test's scratch folder, so that they go when the test ends).
    static func make(videos: Int, seed: UInt64, in root: String) throws -> [Clip] {
        var rng = SplitMix64Test(seed: seed)
        return try (0..<videos).map { v in
            let squares = (0..<2).map { k in
                Square(x0: 2 + rng.int(20), y: 4 + 22 * k + rng.int(10),
                       colour: (UInt8(120 + rng.int(135)), UInt8(120 + rng.int(135)), UInt8(120 + rng.int(135))))
            }
            let dir = root + "/v\(v)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for t in 0..<frames {
                var px = [UInt8](repeating: 0, count: width * height * 3)
                for y in 0..<height { for x in 0..<width {
                    let g = UInt8(40 + ((x / 4 + y / 4) % 2) * 20)
                    px[(y * width + x) * 3] = g; px[(y * width + x) * 3 + 1] = g; px[(y * width + x) * 3 + 2] = g
                }}
                for sq in squares {
                    for dy in 0..<8 { for dx in 0..<8 {
                        let x = sq.x(t) + dx, y = sq.y + dy
                        guard x >= 0, x < width, y >= 0, y < height else { continue }
                        let dark = dx == 2  // a stripe near the left edge: the shape is not mirror-symmetric
                        let i = (y * width + x) * 3
                        px[i] = dark ? 10 : sq.colour.0; px[i + 1] = dark ? 10 : sq.colour.1; px[i + 2] = dark ? 10 : sq.colour.2
                    }}
                }
                try ImageFile.write(Frame(index: t, width: width, height: height, layout: .rgb24, pixels: px),
                                    to: dir + String(format: "/%03d.png", t))
            }
            return Clip(squares: squares, source: VideoSource(name: "v\(v)", path: dir, isFrameFolder: true))
        }
    }
}

struct SplitMix64Test {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

final class LearningTests: XCTestCase {
    /// The whole training path (frames -> detections -> crops -> batches -> network -> Adam) on a tiny network:
    /// arrow of time and motion irregularity must be learnt well above chance on the held-out video, and the
    /// middle-box loss must fall.
    func testTinyNetworkLearnsAllSelfSupervisedTasks() throws {
        let (model, trainer) = try tinyTrainer()
        var history: [(train: TaskMetrics, validation: TaskMetrics)] = []
        for epoch in 0..<4 {
            history.append(try trainer.runEpoch(epoch, model: model))
            let (t, v) = history.last!
            print(String(format: "epoch %d: train mb %.4f | validation aot acc %.3f mi acc %.3f mb %.4f (%d objects)",
                         epoch, t.middleBoxLoss, v.aotAccuracy, v.miAccuracy, v.middleBoxLoss, v.objects))
        }
        let first = history.first!, last = history.last!
        XCTAssertGreaterThan(last.validation.objects, 50)
        XCTAssertGreaterThan(last.validation.aotAccuracy, 0.8, "arrow of time at chance (0.5) means it learnt nothing")
        XCTAssertGreaterThan(last.validation.miAccuracy, 0.8, "motion irregularity at chance")
        XCTAssertLessThan(last.train.middleBoxLoss, 0.6 * first.train.middleBoxLoss, "middle-box loss did not fall")
        XCTAssertLessThan(last.validation.middleBoxLoss, first.validation.middleBoxLoss)

        // Self-distillation phase: the student's discrepancy to the frozen decoder falls on the held-out video.
        let phase = StudentPhase(model: model)
        let before = model.net.parameters.map { $0.value.array }
        let s0 = try trainer.runEpoch(4, model: phase), s1 = try trainer.runEpoch(5, model: phase)
        print(String(format: "student: validation L1 %.5f -> %.5f", s0.validation.distillationLoss, s1.validation.distillationLoss))
        XCTAssertLessThan(s1.validation.distillationLoss, s0.validation.distillationLoss)
        XCTAssertLessThan(s1.train.distillationLoss, 0.8 * s0.train.distillationLoss)
        XCTAssertEqual(model.net.parameters.map { $0.value.array }, before, "the teacher is frozen")
    }

    /// A tiny network (16-pixel crops) and a trainer over five moving-squares clips, every setting fixed.
    private func tinyTrainer() throws -> (MultiTaskModel, Trainer) {
        let clips = try MovingSquares.make(videos: 5, seed: 7, in: makeScratchFolder("ssmtl-learn"))
        let videos = clips.map(\.source)
        var config = NetworkConfig(variant: .shallowNarrow)
        config.encoderPlan = [8, 0, 16, 0]
        config.cropSize = 16
        config.headChannels = 8
        config.decoderChannels = 8
        config.dropout = 0.1
        let model = MultiTaskModel(config: config, teacherWidth: 0, learningRate: 3e-3, seed: 3)
        var options = Trainer.Options()
        options.batchSize = 16
        options.shuffleCapacity = 64
        options.side = 16
        options.seed = 11
        let trainer = Trainer(videos: videos, detections: DetectionCache(videos: videos) { v in
            SquareDetector(clips.first { $0.source.path == v.path }!)
        }, options: options)
        return (model, trainer)
    }
}
