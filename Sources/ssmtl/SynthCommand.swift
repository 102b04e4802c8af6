import ArgumentParser
import Foundation
import SyntheticData

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a synthetic scene with ground truth (ShanghaiTech layout) for demos and tests.",
        discussion: """
            Writes DIR/training/videos/*.mp4 (normal walkers), DIR/testing/videos/*.mp4 (walkers plus anomalies: \
            running, walking backwards, stop-and-go, carts), and the ground truth DIR/test_frame_mask/*.npy, \
            DIR/test_pixel_mask/*.npy and DIR/tracks/*.txt. The same seed gives the same data.
            """)

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Number of training videos.")
    var trainVideos = 4

    @Option(help: "Number of test videos.")
    var testVideos = 4

    @Option(help: "Frames per video.")
    var frames = 240

    @Option(help: "Frame width in pixels.")
    var width = 192

    @Option(help: "Frame height in pixels.")
    var height = 128

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard (1...1000).contains(trainVideos), (1...1000).contains(testVideos) else {
            throw ValidationError("--train-videos and --test-videos must lie in 1...1000")
        }
        guard (16...100_000).contains(frames) else { throw ValidationError("--frames must lie in 16...100000") }
        guard (96...4096).contains(width), (128...4096).contains(height), width % 2 == 0, height % 2 == 0 else {
            throw ValidationError("--width must lie in 96...4096 and --height in 128...4096, both even")
        }
        // A test video's pixel masks are held in memory until written (one byte per pixel and frame).
        guard Double(frames) * Double(width) * Double(height) <= 2e9 else {
            throw ValidationError("--frames x --width x --height must stay under 2e9 (each test video's pixel masks are kept in memory)")
        }
    }

    func run() throws {
        var dataset = SyntheticDataset()
        dataset.seed = seed
        dataset.trainingVideos = trainVideos
        dataset.testVideos = testVideos
        dataset.framesPerVideo = frames
        dataset.settings.width = width
        dataset.settings.height = height
        // Walkways keep their places relative to the frame height.
        dataset.settings.lanes = [0.34, 0.66, 0.95].map { Int(Double(height) * $0) }
        let summary = try dataset.write(to: out) { Terminal.note("synth: rendering \($0)", quiet: quiet) }
        print("synth: \(trainVideos) training videos (\(summary.trainingFrames) frames), \(testVideos) test videos (\(summary.testFrames) frames, \(summary.anomalousFrames) anomalous, \(summary.tracks) anomaly tracks) in \(out)")
    }
}
