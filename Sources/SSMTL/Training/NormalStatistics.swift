import Detection
import Foundation
import VideoIO

/// The normal statistics of a trained network: the mean and standard deviation of each head's raw score over the
/// held-out validation videos' objects (the heads score the objects they were fitted on lower and more evenly than
/// unseen normal ones, by a different amount per head), and the appearance bank, a seeded sample of the features of
/// the training split's objects (the validation videos stay out, so their σ replays see unfamiliar objects as a test
/// video would), with the mean and spread of its leave-one-video-out distance.
struct NormalStatistics {
    var statistics: HeadStatistics
    /// Which objects standardised the heads, e.g. "held-out: 09, 15 (1908 objects)".
    var objects: String
    /// The appearance bank's report (nil without an appearance score).
    var bank: (entries: Int, offered: Int, dimension: Int, mean: Float, std: Float)?

    /// Fewer held-out objects than this and the spread could be near 0 and blow one head's z-scores up: all objects
    /// standardise the heads instead.
    static let minimumHeldOut = 30

    /// One scoring pass over every training video with `model`'s weights; sets `model.appearanceBank`. Warnings go to
    /// `warn`. `isCancelled` is polled between batches (`TrainingStopped`); `progress` gets the frames scored so far.
    static func measure(model: MultiTaskModel, videos: [VideoSource], detections: DetectionCache, split: ValidationSplit,
                        batch: Int, bankCapacity: Int, seed: UInt64, warn: (String) -> Void,
                        isCancelled: () -> Bool, progress: (Int) -> Void = { _ in }) throws -> NormalStatistics {
        let bankVideos = split.byObject ? Set(videos.indices) : Set(videos.indices).subtracting(split.validationVideos)
        let heldOutVideos = Set(split.videosWithValidationObjects(videoCount: videos.count))
        var all = HeadMoments(), heldOut = HeadMoments()
        let sampler = AppearanceSampler(capacity: bankCapacity, seed: seed)
        model.appearanceBank = nil
        defer { model.appearanceSampler = nil }
        var framesBefore = 0
        for (v, video) in videos.enumerated() {
            if isCancelled() { throw TrainingStopped(epoch: -1) }
            sampler.beginVideo(v)
            model.appearanceSampler = bankVideos.contains(v) ? sampler : nil
            var options = VideoScorer.Options()
            options.batchSize = batch
            options.reuseScores = false   // every object's own scores and features
            let scorer = VideoScorer(detector: detections.detector(video: v), scorer: model, statistics: .raw, options: options)
            // Objects stream into the moments (a long video keeps no list of them).
            let heldOutVideo = heldOutVideos.contains(v)
            _ = try scorer.score(FrameReader(path: video.path), objects: { object in
                all.add(object.heads)
                if heldOutVideo { heldOut.add(object.heads) }
            }, isCancelled: isCancelled, progress: { progress(framesBefore + $0) })
            framesBefore += detections.frameCount(video: v)
            progress(framesBefore)
        }
        let heldOutAsked = heldOutVideos.count < videos.count
        let useHeldOut = heldOutAsked && heldOut.count >= minimumHeldOut
        if heldOutAsked && !useHeldOut {
            warn("only \(heldOut.count) objects in the held-out videos (fewer than \(minimumHeldOut)); the heads are standardised on all \(all.count) objects")
        }
        let moments = useHeldOut ? heldOut : all
        let described = useHeldOut
            ? "held-out: \(heldOutVideos.sorted().map { videos[$0].name }.joined(separator: ", ")) (\(heldOut.count) objects)"
            : "all: \(all.count) objects"
        guard var (mean, std) = moments.meanAndStd() else {
            warn("fewer than two objects: the head scores are not standardised")
            return NormalStatistics(statistics: HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), objects: "none", bank: nil)
        }
        guard let appearance = sampler.finish() else {
            return NormalStatistics(statistics: HeadStatistics(mean: mean, std: std), objects: described, bank: nil)
        }
        model.appearanceBank = appearance.bank
        mean[HeadScores.appearanceIndex] = appearance.mean
        std[HeadScores.appearanceIndex] = appearance.std
        return NormalStatistics(statistics: HeadStatistics(mean: mean, std: std), objects: described,
                                bank: (appearance.bank.count, sampler.offered, appearance.bank.dimension, appearance.mean, appearance.std))
    }
}

/// Running sums of every score (HeadScores.names order), for their mean and standard deviation. The appearance
/// score is 0 in the statistics pass (its bank is built there) and gets its moments from the bank; a head the
/// network lacks scores 0 everywhere, so its spread is 0 and it is left out of the object score.
struct HeadMoments {
    private var sums = [Double](repeating: 0, count: HeadScores.names.count)
    private var squares = [Double](repeating: 0, count: HeadScores.names.count)
    private(set) var count = 0

    mutating func add(_ heads: [Float]) {
        for h in sums.indices { sums[h] += Double(heads[h]); squares[h] += Double(heads[h]) * Double(heads[h]) }
        count += 1
    }

    /// nil below two objects, where a spread means nothing.
    func meanAndStd() -> (mean: [Float], std: [Float])? {
        guard count > 1 else { return nil }
        let mean = sums.map { $0 / Double(count) }
        let std = sums.indices.map { h in max(0, squares[h] / Double(count) - mean[h] * mean[h]).squareRoot() }
        return (mean.map(Float.init), std.map(Float.init))
    }
}
