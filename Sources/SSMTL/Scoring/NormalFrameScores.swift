import Foundation
import NeuralNet

/// The frame scores of the held-out normal validation videos, measured by `train` and stored in the model, from which
/// `score` sets the event threshold without test labels: the score that a chosen share of normal frames exceeds
/// (the false-alarm rate on footage like the training videos).
///
/// The scores are stored before the temporal smoothing, per video, so the threshold follows the σ a run scores with
/// (the model's own or `score --sigma`): smoothing lowers the peaks, and a threshold measured at another σ would flag
/// too few or too many frames.
public struct NormalFrameScores: Sendable, Equatable {
    /// Unsmoothed frame scores (`FrameScorer` with σ 0), one list per validation video.
    public var videos: [[Double]]
    /// The videos' names, for the threshold's description.
    public var names: [String]

    public static let defaultFalseAlarmPercent = 0.5
    public static let falseAlarmPercentRange = 0.0...50.0
    /// Frames scored per validation video (3 minutes at 25 frames/s): bounds training time and the model's metadata.
    public static let maximumFramesPerVideo = 4500

    public init(videos: [[Double]], names: [String]) {
        precondition(videos.count == names.count)
        self.videos = videos; self.names = names
    }

    public var frameCount: Int { videos.reduce(0) { $0 + $1.count } }

    /// The smallest score that at most `percent` % of the normal frames (smoothed with `sigma`, each video on its own)
    /// exceed; nil without frames.
    public func threshold(falseAlarmPercent percent: Double, sigma: Double) -> Double? {
        let pooled = videos.flatMap { smoothFrameScores($0, sigma: sigma) }.filter(\.isFinite).sorted()
        guard !pooled.isEmpty else { return nil }
        let allowedAbove = Int((percent / 100 * Double(pooled.count)).rounded(.down))
        return pooled[max(0, pooled.count - 1 - allowedAbove)]
    }

    /// How the threshold was set, for the events summary and the progress output.
    public func description(falseAlarmPercent percent: Double) -> String {
        "\(percent.formatted()) % of the \(frameCount) normal validation frames (\(names.joined(separator: ", "))) score above it"
    }

    // MARK: - Metadata

    /// The scores as the model file keeps them (six significant digits), so that a run's result equals its file.
    public var atStoredPrecision: NormalFrameScores {
        NormalFrameScores(videos: videos.map { $0.map { Double(Self.stored($0))! } }, names: names.map(Self.storedName))
    }

    private static func stored(_ value: Double) -> String { String(format: "%.6g", value) }
    private static func storedName(_ name: String) -> String { String(name.map { $0 == ":" || $0 == ";" ? "_" : $0 }) }

    /// `normal_frame_scores`: videos separated by ";", each "name:v1,v2,..." (names never hold ":" or ";" here: they
    /// are replaced by "_").
    var metadataText: String {
        zip(names, videos).map { name, scores in Self.storedName(name) + ":" + scores.map(Self.stored).joined(separator: ",") }
            .joined(separator: ";")
    }

    init(metadataText text: String, path: String) throws {
        var videos: [[Double]] = [], names: [String] = []
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            guard let colon = part.firstIndex(of: ":") else {
                throw CheckpointError(path, "metadata 'normal_frame_scores' has a video without 'name:' before its scores")
            }
            let values = part[part.index(after: colon)...].split(separator: ",").map { Double(String($0)) }
            guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else {
                throw CheckpointError(path, "metadata 'normal_frame_scores' of '\(part[..<colon])' holds no scores or one that is not a finite number")
            }
            names.append(String(part[..<colon]))
            videos.append(values.map { $0! })
        }
        self.init(videos: videos, names: names)
    }
}
