import Foundation
import Randomness
import VideoIO

/// Writes a synthetic anomaly-detection dataset in the ShanghaiTech layout:
///
///     DIR/training/videos/train_NN.mp4     normal walkers only
///     DIR/testing/videos/test_NN.mp4       walkers plus anomalous actors
///     DIR/test_frame_mask/test_NN.npy      int64 0/1 per frame
///     DIR/test_pixel_mask/test_NN.npy      uint8 0/1, frames x height x width
///     DIR/tracks/test_NN.txt               track_id,frame_idx,x_min,y_min,x_max,y_max (0-based, inclusive)
///
/// Every test video holds one anomaly; the kinds cycle through running, walking backwards, stop-and-go and
/// carts, so a 4-video test set has one of each.
public struct SyntheticDataset {
    public var settings = SceneSettings()
    public var trainingVideos = 4
    public var testVideos = 4
    public var framesPerVideo = 240
    public var seed: UInt64 = 1

    public init() {}

    public struct Summary: Sendable {
        public var trainingFrames = 0
        public var testFrames = 0
        public var anomalousFrames = 0
        public var tracks = 0
    }

    public func write(to directory: String, progress: (String) -> Void = { _ in }) throws -> Summary {
        let fm = FileManager.default
        for sub in ["training/videos", "testing/videos", "test_frame_mask", "test_pixel_mask", "tracks"] {
            do { try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true) } catch {
                throw VideoIOError(directory + "/" + sub, "cannot create the folder")
            }
        }
        var rng = SplitMix64(seed: seed)
        let background = makeBackground(settings: settings, rng: &rng)
        var summary = Summary()
        for v in 0..<trainingVideos {
            let name = String(format: "train_%02d", v + 1)
            progress(name)
            let actors = walkers(rng: &rng)
            let path = directory + "/training/videos/\(name).mp4"
            try renderVideo(actors: actors, background: background, seed: rng.next(), path: path) { _ in }
            summary.trainingFrames += framesPerVideo
        }
        let anomalyKinds: [ActorKind] = [.runner, .backwards, .stopAndGo, .cart]
        for v in 0..<testVideos {
            let name = String(format: "test_%02d", v + 1)
            progress(name)
            var actors = walkers(rng: &rng)
            // One anomaly per video, entering between a quarter and a half of the way through; the kinds cycle.
            let start = Int(Double(framesPerVideo) * (0.25 + 0.2 * rng.unit()))
            actors.append(anomaly(anomalyKinds[v % anomalyKinds.count], startFrame: start, rng: &rng))
            var frameLabels: [Int64] = []
            var masks: [UInt8] = []
            masks.reserveCapacity(framesPerVideo * settings.width * settings.height)
            var trackRows: [String] = []
            var trackIDs: [Int: Int] = [:]
            try renderVideo(actors: actors, background: background, seed: rng.next(), path: directory + "/testing/videos/\(name).mp4") { rendered in
                masks += rendered.mask
                frameLabels.append(rendered.anomalyBoxes.isEmpty ? 0 : 1)
                for (actor, box) in rendered.anomalyBoxes {
                    let id = trackIDs[actor] ?? trackIDs.count
                    trackIDs[actor] = id
                    trackRows.append("\(id),\(rendered.frame.index),\(box.x1),\(box.y1),\(box.x2),\(box.y2)")
                }
            }
            try NPYWriter.write(int64: frameLabels, to: directory + "/test_frame_mask/\(name).npy")
            try NPYWriter.write(uint8: masks, shape: [framesPerVideo, settings.height, settings.width],
                                to: directory + "/test_pixel_mask/\(name).npy")
            try writeFileAtomically(Data((trackRows.joined(separator: "\n") + "\n").utf8), to: directory + "/tracks/\(name).txt")
            summary.testFrames += framesPerVideo
            summary.anomalousFrames += frameLabels.filter { $0 == 1 }.count
            summary.tracks += trackIDs.count
        }
        let readme = """
            Synthetic anomaly-detection data written by `ssmtl synth` (seed \(seed)), ShanghaiTech layout.
            training/videos: normal walkers only. testing/videos: walkers plus anomalies (running, walking
            backwards, stop-and-go, carts). test_frame_mask/*.npy: int64 0/1 per frame. test_pixel_mask/*.npy:
            uint8 0/1 frames x height x width. tracks/*.txt: track_id,frame_idx,x_min,y_min,x_max,y_max
            (0-based frames, inclusive pixel boxes).

            """
        try writeFileAtomically(Data(readme.utf8), to: directory + "/README.txt")
        return summary
    }

    private func renderVideo(actors: [Actor], background: [UInt8], seed: UInt64, path: String,
                             each: (SceneRenderer.Rendered) throws -> Void) throws {
        var renderer = SceneRenderer(settings: settings, background: background, actors: actors, seed: seed)
        let writer = try VideoWriter(path: path, width: settings.width, height: settings.height, fps: settings.fps)
        for i in 0..<framesPerVideo {
            let rendered = renderer.render(frameIndex: i)
            try writer.append(rendered.frame)
            try each(rendered)
        }
        try writer.finish()
    }

    /// Normal walkers entering at random times (some already inside the scene at frame 0).
    private func walkers(rng: inout SplitMix64) -> [Actor] {
        var actors: [Actor] = []
        var t = -Int(Double(settings.width) / settings.walkerSpeed.lowerBound)
        while t < framesPerVideo {
            let speed = settings.walkerSpeed.lowerBound + rng.unit() * (settings.walkerSpeed.upperBound - settings.walkerSpeed.lowerBound)
            actors.append(Actor(kind: .walker, startFrame: t, lane: Int(rng.next() % UInt64(settings.lanes.count)),
                                direction: rng.next() % 2 == 0 ? 1 : -1, speed: speed, color: randomColor(&rng),
                                phase: rng.unit() * 6.28, period: 1))
            t += 1 + Int(-log(1 - rng.unit()) * settings.meanSpawnInterval)
        }
        return actors
    }

    private func anomaly(_ kind: ActorKind, startFrame: Int, rng: inout SplitMix64) -> Actor {
        let walking = settings.walkerSpeed.lowerBound + rng.unit() * (settings.walkerSpeed.upperBound - settings.walkerSpeed.lowerBound)
        let speed: Double
        switch kind {
        case .runner: speed = 3.5 + rng.unit()
        case .stopAndGo: speed = 2.6 + rng.unit() * 0.6
        default: speed = walking
        }
        return Actor(kind: kind, startFrame: startFrame, lane: Int(rng.next() % UInt64(settings.lanes.count)),
                     direction: rng.next() % 2 == 0 ? 1 : -1, speed: speed, color: randomColor(&rng),
                     phase: rng.unit() * 6.28, period: 5 + Int(rng.next() % 4))
    }

    private func randomColor(_ rng: inout SplitMix64) -> (UInt8, UInt8, UInt8) {
        (UInt8(40 + rng.next() % 180), UInt8(40 + rng.next() % 180), UInt8(40 + rng.next() % 180))
    }
}
