import AtomicFile
import Detection
import Foundation
import Randomness
import VideoIO

/// `ssmtl plant`: writes copies of normal videos with object-level pseudo-anomalies planted in them, and their
/// ground truth in the generic layout that `ssmtl eval --dataset generic` reads:
///
///     OUT/frames/<video>-p<k>/000000.png ...   planted copy k (1-based) of each video
///     OUT/gt/<video>-p<k>.txt                  one 0/1 label per frame
///     OUT/gt/tracks/<video>-p<k>.txt           track_id,frame_idx,x_min,y_min,x_max,y_max (one track per stretch)
///     OUT/plan.csv                             every stretch: kind, frames, region, donor (video and frame, or
///                                              the vehicle photograph's name and 0)
///
/// Everything is written into a sibling folder `OUT.partial-<pid>` and renamed to OUT at the end: OUT appears whole
/// or not at all. A plant stopped by a signal leaves that folder behind (signals only unlink files); the next plant
/// of the same OUT removes those of processes that no longer exist.
/// Memory is bounded by the frames one stretch reads ahead (`speedFactor · length`), not by the video's length.
public enum PlantRun {
    public struct Options: Sendable {
        public var settings = PlantSettings()
        public var variants = 4
        public var seed: UInt64 = 1
        /// Frames read from each target video (and each donor).
        public var maxFrames = 900
        /// Vehicle photographs (`PlantedObjects.load`); none leaves the ridden kind out.
        public var objects: [PlantedObjects.Object] = []
        public init() {}
    }

    public struct Summary: Sendable {
        public var videos = 0, frames = 0, anomalousFrames = 0
        public var stretches: [PlantedKind: Int] = [:]
    }

    /// What one pass of the motion detector tells about a video.
    struct Analysis {
        var target: PlantTarget
        /// Grey median background (frame-sized).
        var background: [UInt8]
        /// Every pixel of the frames read has equal red, green and blue (grey footage stored as colour).
        var isGrey = true
    }

    public static func run(targets: [VideoSource], donors donorVideos: [VideoSource]?, out: String, options: Options,
                           progress: (String) -> Void = { _ in }) throws -> Summary {
        precondition(options.variants > 0 && options.maxFrames > 0)
        guard !FileManager.default.fileExists(atPath: out) else {
            throw PlantError(out, "already exists (plant writes a new folder; remove it or choose another)")
        }
        let base = out.hasSuffix("/") ? String(out.dropLast()) : out
        let parent = (base as NSString).deletingLastPathComponent
        removeFoldersOfEndedProcesses(in: parent.isEmpty ? "." : parent, prefix: (base as NSString).lastPathComponent + ".partial-")
        let partial = base + ".partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let summary = try write(targets: targets, donorVideos: donorVideos, into: partial, options: options, progress: progress)
            try FileManager.default.moveItem(atPath: partial, toPath: out)
            return summary
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    private static func write(targets: [VideoSource], donorVideos: [VideoSource]?, into root: String, options: Options,
                              progress: (String) -> Void) throws -> Summary {
        let settings = options.settings
        for folder in ["frames", "gt/tracks"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        // Donors: the given videos, or else the targets themselves (the same scene at another size and place).
        let donorSources = donorVideos ?? targets
        var analyses: [String: Analysis] = [:]
        func analysis(_ video: VideoSource) throws -> Analysis {
            if let known = analyses[video.path] { return known }
            progress("plant: finding objects in \(video.name)")
            let found = try analyse(video, maxFrames: options.maxFrames)
            analyses[video.path] = found
            return found
        }
        var donorObjects: [DonorObject] = []
        for (d, video) in donorSources.enumerated() {
            donorObjects += donorCandidates(of: try analysis(video), donor: d, settings: settings)
        }
        guard !donorObjects.isEmpty else {
            throw PlantError(donorSources.map(\.path).joined(separator: ", "), "no object whole enough to paste was found in the donor videos")
        }

        let objectSizes = options.objects.map { (width: $0.sprite.width, height: $0.sprite.height) }
        var summary = Summary()
        var plan = "video,stretch,kind,start,length,x_min,y_min,x_max,y_max,donor_video,donor_frame\n"
        for video in targets {
            let analysed = try analysis(video)
            let target = analysed.target
            // A photograph takes the footage's colours: grey on grey video, where colour alone would give it away.
            let objectSprites = options.objects.map { analysed.isGrey ? PlantedObjects.grey($0.sprite) : $0.sprite }
            guard target.frameCount >= settings.firstStart + settings.length else {
                throw PlantError(video.path, "has \(target.frameCount) frames; planting needs at least \(settings.firstStart + settings.length)")
            }
            if !donorSources.contains(video) { analyses[video.path] = nil }   // not needed again
            let plans = (1...options.variants).map { variant in
                var rng = PlantPlanner.rng(seed: options.seed, video: video.name, variant: variant)
                return PlantPlanner.plan(target: target, donors: donorObjects, objects: objectSizes, variant: variant - 1,
                                         settings: settings, rng: &rng)
            }
            // Every variant's pasted objects, cut in one pass over each donor (stretch k of variant v is entry
            // offsets[v] + k).
            let offsets = plans.reduce(into: [0]) { $0.append($0.last! + $1.count) }
            let allSprites = try cutSprites(for: Array(plans.joined()), donors: donorSources, analyses: { try analysis($0) },
                                            maxFrames: options.maxFrames)
            for (v, stretches) in plans.enumerated() {
                let variant = v + 1
                let name = "\(video.name)-p\(variant)"
                progress("plant: writing \(name) (\(stretches.count) stretches)")
                try render(video, target: target, stretches: stretches, sprites: allSprites, firstSprite: offsets[v],
                           objects: objectSprites, to: root + "/frames/" + name, feather: settings.feather)
                var labels = [UInt8](repeating: 0, count: target.frameCount)
                var tracks = ""
                for (s, stretch) in stretches.enumerated() {
                    summary.stretches[stretch.kind, default: 0] += 1
                    for f in stretch.frames {
                        labels[f] = 1
                        let r = stretch.anomalyRect(at: f, frameWidth: target.width, frameHeight: target.height)
                        tracks += "\(s),\(f),\(r.x1),\(r.y1),\(r.x2),\(r.y2)\n"
                    }
                    let r = stretch.region
                    let donor = stretch.donor.map { "\(donorSources[$0.donor].name),\($0.frame)" }
                        ?? stretch.object.map { "\(csvField(options.objects[$0].name)),0" } ?? ","
                    plan += "\(name),\(s),\(stretch.kind.rawValue),\(stretch.start),\(stretch.length),\(r.x1),\(r.y1),\(r.x2),\(r.y2),\(donor)\n"
                }
                try writeFileAtomically(Data(labels.map { $0 == 1 ? "1" : "0" }.joined(separator: "\n").utf8 + [10]),
                                        to: root + "/gt/\(name).txt")
                try writeFileAtomically(Data(tracks.utf8), to: root + "/gt/tracks/\(name).txt")
                summary.videos += 1
                summary.frames += labels.count
                summary.anomalousFrames += labels.reduce(0) { $0 + Int($1) }
            }
        }
        try writeFileAtomically(Data(plan.utf8), to: root + "/plan.csv")
        return summary
    }

    /// One pass of the motion detector (default sizes, which the detector scales to the frame height itself, grey levels,
    /// primed with the median background).
    static func analyse(_ video: VideoSource, maxFrames: Int) throws -> Analysis {
        guard let background = try BackgroundEstimate.median(of: video.path) else {
            throw PlantError(video.path, "has no frames")
        }
        // Grey levels, as when the criterion was made: the planted copies are the yardstick candidates are judged
        // by, so they do not change with the detector's defaults.
        var parameters = MotionParameters()
        parameters.colourScale = 0
        let detector = MotionDetector(parameters: parameters)
        detector.prime(background: background.pixels, width: background.width, height: background.height)
        let reader = try FrameReader(path: video.path)
        var boxes: [[PixelRect]] = []
        var isGrey = true
        while boxes.count < maxFrames, let frame = try reader.next() {
            if isGrey { isGrey = frame.layout != .rgb24 || BackgroundEstimate.hasEqualChannels(frame.pixels) }
            guard frame.width == background.width, frame.height == background.height else {
                throw PlantError(video.path, "frame \(frame.index) is \(frame.width)x\(frame.height), the first frames \(background.width)x\(background.height)")
            }
            boxes.append(try detector.detect(frame).compactMap { $0.clipped(width: frame.width, height: frame.height) }
                .map { PixelRect(x1: $0.x1, y1: $0.y1, x2: $0.x2, y2: $0.y2) })
        }
        return Analysis(target: PlantTarget(frameCount: boxes.count, width: background.width, height: background.height, boxes: boxes),
                        background: background.pixels, isGrey: isGrey)
    }

    /// Donor objects: boxes of at least 12 pixels' height and 2 · minBoxArea, not touching the frame's edge (a cut
    /// object would be pasted cut), after the detector settled, with a whole stretch of frames after them; every
    /// fourth frame (neighbouring frames give near-identical donors).
    static func donorCandidates(of analysis: Analysis, donor: Int, settings: PlantSettings) -> [DonorObject] {
        let t = analysis.target
        var found: [DonorObject] = []
        for f in stride(from: settings.firstStart, to: t.frameCount - settings.length + 1, by: 4) {
            for box in t.boxes[f] where box.height >= 12 && box.area >= 2 * settings.minBoxArea
                && box.x1 > 0 && box.y1 > 0 && box.x2 < t.width - 1 && box.y2 < t.height - 1 {
                found.append(DonorObject(donor: donor, frame: f, box: box))
            }
        }
        return found
    }

    /// The sprites of every paste stretch (one per frame of the stretch), cut in one pass over each donor used.
    private static func cutSprites(for stretches: [PlantedStretch], donors: [VideoSource], analyses: (VideoSource) throws -> Analysis,
                                   maxFrames: Int) throws -> [Int: [Sprite]] {
        var sprites: [Int: [Sprite]] = [:]
        let byDonor = Dictionary(grouping: stretches.indices.filter { stretches[$0].donor != nil }) { stretches[$0].donor!.donor }
        for (d, indices) in byDonor.sorted(by: { $0.key < $1.key }) {
            let background = try analyses(donors[d]).background
            let reader = try FrameReader(path: donors[d].path)
            let last = indices.map { stretches[$0].donor!.frame + stretches[$0].length - 1 }.max()!
            var f = 0
            while f <= last, f < maxFrames, let frame = try reader.next() {
                for i in indices {
                    let donor = stretches[i].donor!
                    if f >= donor.frame && f < donor.frame + stretches[i].length {
                        sprites[i, default: []].append(PlantedRendering.cutSprite(from: frame, box: donor.box, background: background))
                    }
                }
                f += 1
            }
            for i in indices where sprites[i]?.count != stretches[i].length {
                throw PlantError(donors[d].path, "ended before frame \(stretches[i].donor!.frame + stretches[i].length - 1)")
            }
        }
        return sprites
    }

    /// A plan.csv field: quoted when it holds a comma or a quote.
    private static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// Writes one planted copy: each frame as read, with the stretch active at it drawn over it. Paste stretch k
    /// pastes `sprites[firstSprite + k]`, a ridden stretch its photograph `objects[stretch.object]`.
    private static func render(_ video: VideoSource, target: PlantTarget, stretches: [PlantedStretch], sprites: [Int: [Sprite]],
                               firstSprite: Int, objects: [Sprite], to folder: String, feather: Int) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let frames = LookaheadFrames(reader: try FrameReader(path: video.path), limit: target.frameCount)
        var active = 0
        for f in 0..<target.frameCount {
            while active < stretches.count, stretches[active].frames.upperBound <= f { active += 1 }
            var frame = try frames.frame(f)
            if active < stretches.count, stretches[active].frames.contains(f) {
                let stretch = stretches[active]
                switch stretch.kind {
                case .speed, .reverse:
                    PlantedRendering.blendRegion(stretch.region, from: try frames.frame(stretch.sourceFrame(at: f)), into: &frame, feather: feather)
                case .paste:
                    let rect = stretch.pasteRect(at: f, frameWidth: target.width, frameHeight: target.height)
                    PlantedRendering.paste(sprites[firstSprite + active]![f - stretch.start], into: &frame, at: rect)
                case .ridden:
                    PlantedRendering.paste(objects[stretch.object!], into: &frame, at: stretch.vehicleRect(at: f))
                }
            }
            try ImageFile.write(frame, to: folder + String(format: "/%06d.png", f))
            // A reverse stretch reads back to its first frame; nothing else reads behind the current frame.
            let keepFrom = active < stretches.count && stretches[active].frames.contains(f) ? min(f, stretches[active].start) : f
            frames.drop(below: keepFrom)
        }
    }
}

/// Frames of a video by index, read in order and kept only while needed (`drop(below:)`).
final class LookaheadFrames {
    private let reader: FrameReader
    private let limit: Int
    private var kept: [Int: Frame] = [:]
    private var nextIndex = 0

    init(reader: FrameReader, limit: Int) { self.reader = reader; self.limit = limit }

    func frame(_ index: Int) throws -> Frame {
        precondition(index < limit)
        while nextIndex <= index {
            guard let frame = try reader.next() else { throw PlantError(reader.info.path, "ended at frame \(nextIndex), before frame \(index)") }
            kept[nextIndex] = frame
            nextIndex += 1
        }
        guard let frame = kept[index] else { preconditionFailure("frame \(index) was dropped before it was read") }
        return frame
    }

    func drop(below index: Int) {
        for key in kept.keys where key < index { kept[key] = nil }
    }
}

/// A plant failure: the file or folder and the problem, for a one-line error.
public struct PlantError: Error, CustomStringConvertible {
    public let path: String, reason: String
    public init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}
