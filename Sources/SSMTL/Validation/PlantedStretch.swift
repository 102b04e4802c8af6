import Foundation
import Randomness

/// Object-level pseudo-anomalies planted in held-out normal videos: the label-free criterion of `ssmtl plant`
/// (docs/experiments.md, criterion step 1). Unlike the σ replays, which re-time whole frames, each planted stretch
/// changes one object among normal neighbours, as real anomalies do.
public enum PlantedKind: String, CaseIterable, Sendable {
    /// A region around one object shows every `speedFactor`-th later frame: the object moves faster.
    case speed
    /// A region around one object plays its next frames backwards.
    case reverse
    /// An object cut from a donor video moves across the frame in a straight line.
    case paste
}

/// An inclusive pixel rectangle.
public struct PixelRect: Equatable, Sendable {
    public var x1: Int, y1: Int, x2: Int, y2: Int
    public init(x1: Int, y1: Int, x2: Int, y2: Int) { self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2 }
    public var width: Int { x2 - x1 + 1 }
    public var height: Int { y2 - y1 + 1 }
    public var area: Int { max(0, width) * max(0, height) }
}

/// An object of a donor video: the box the motion detector found in one of its frames. Its pixels in frames
/// `frame ..< frame + length` are cut out and pasted.
public struct DonorObject: Equatable, Sendable {
    public var donor: Int
    public var frame: Int
    public var box: PixelRect
    public init(donor: Int, frame: Int, box: PixelRect) { self.donor = donor; self.frame = frame; self.box = box }
}

/// Fixed parameters of the planted criterion (the values of its rule).
public struct PlantSettings: Equatable, Sendable {
    /// Frames per planted stretch.
    public var length = 16
    /// Source frames advanced per output frame in a speed stretch.
    public var speedFactor = 3
    /// Normal frames between two stretches (uniform).
    public var gap: ClosedRange<Int> = 12...36
    /// The first stretch starts no earlier than this frame (the detector settles).
    public var firstStart = 8
    /// A speed or reverse region spans this many box widths and heights, centred on the box.
    public var regionBoxes = 3
    /// Region edges inside the frame blend into the untouched frame over this many pixels.
    public var feather = 4
    /// A pasted object's height, in median object heights of the target video (uniform).
    public var pasteScale: ClosedRange<Double> = 1.2...2.0
    /// A pasted object's speed, in its own heights per frame (uniform).
    public var pasteSpeed: ClosedRange<Double> = 0.10...0.25
    /// Boxes smaller than this (pixels) are not planted on.
    public var minBoxArea = 64
    public init() {}
}

/// One planted stretch of a video.
public struct PlantedStretch: Equatable, Sendable {
    public var kind: PlantedKind
    /// First output frame of the stretch.
    public var start: Int
    public var length: Int
    /// speed and reverse: the region replaced (clipped to the frame). paste: the pasted object's box at `start`.
    public var region: PixelRect
    /// paste: the donor object, the pasted size and the motion of its top-left corner in pixels per frame.
    public var donor: DonorObject?
    public var pasteWidth = 0, pasteHeight = 0
    public var velocityX = 0.0, velocityY = 0.0
    public var speedFactor = 1

    public var frames: Range<Int> { start ..< start + length }

    /// The source frame a speed or reverse stretch shows in its region at output frame `frame`.
    public func sourceFrame(at frame: Int) -> Int {
        let k = frame - start
        switch kind {
        case .speed: return start + speedFactor * k
        case .reverse: return start + length - 1 - k
        case .paste: return frame
        }
    }

    /// The last source frame the stretch reads.
    public var lastSourceFrame: Int { kind == .speed ? start + speedFactor * (length - 1) : start + length - 1 }

    /// Where the pasted object is at output frame `frame`: it moves in a straight line and bounces off the frame's
    /// edges (a triangle wave in each coordinate), so it stays whole inside the frame.
    public func pasteRect(at frame: Int, frameWidth: Int, frameHeight: Int) -> PixelRect {
        let k = Double(frame - start)
        func bounce(_ x0: Int, _ v: Double, range: Int) -> Int {
            guard range > 0 else { return 0 }
            let period = 2.0 * Double(range)
            var m = (Double(x0) + v * k).truncatingRemainder(dividingBy: period)
            if m < 0 { m += period }
            return Int((m <= Double(range) ? m : period - m).rounded())
        }
        let x = bounce(region.x1, velocityX, range: frameWidth - pasteWidth)
        let y = bounce(region.y1, velocityY, range: frameHeight - pasteHeight)
        return PixelRect(x1: x, y1: y, x2: x + pasteWidth - 1, y2: y + pasteHeight - 1)
    }

    /// The anomalous region at output frame `frame` (the ground-truth track's box).
    public func anomalyRect(at frame: Int, frameWidth: Int, frameHeight: Int) -> PixelRect {
        kind == .paste ? pasteRect(at: frame, frameWidth: frameWidth, frameHeight: frameHeight) : region
    }
}

/// What the planner knows of a target video.
public struct PlantTarget: Sendable {
    public var frameCount: Int
    public var width: Int, height: Int
    /// Motion boxes per frame.
    public var boxes: [[PixelRect]]
    public init(frameCount: Int, width: Int, height: Int, boxes: [[PixelRect]]) {
        self.frameCount = frameCount; self.width = width; self.height = height; self.boxes = boxes
    }

    /// Median height of the boxes large enough to plant on; nil when there are none.
    public func medianObjectHeight(minArea: Int) -> Int? {
        let heights = boxes.joined().filter { $0.area >= minArea }.map(\.height).sorted()
        return heights.isEmpty ? nil : heights[(heights.count - 1) / 2]
    }
}

public enum PlantPlanner {
    /// Plans the stretches of one variant of a video. The kinds come in turn, starting with kind `variant % 3`
    /// (paste is left out when there are no donors). A speed or reverse stretch needs an object at its first frame
    /// (the planner looks up to 8 frames further and otherwise moves on); stretches never overlap in output frames.
    public static func plan(target: PlantTarget, donors: [DonorObject], variant: Int, settings: PlantSettings = PlantSettings(),
                            rng: inout SplitMix64) -> [PlantedStretch] {
        let kinds = PlantedKind.allCases.filter { $0 != .paste || !donors.isEmpty }
        let objectHeight = target.medianObjectHeight(minArea: settings.minBoxArea)
        var turn = variant % 3
        var stretches: [PlantedStretch] = []
        var t = settings.firstStart + Int(rng.next() % UInt64(settings.gap.lowerBound + 1))
        var attempts = 0
        while t < target.frameCount, attempts < 10_000 {
            attempts += 1
            let kind = kinds[turn % kinds.count]
            var stretch: PlantedStretch?
            switch kind {
            case .speed, .reverse:
                stretch = regionStretch(kind, at: t, target: target, settings: settings, rng: &rng)
            case .paste:
                if let objectHeight {
                    stretch = pasteStretch(at: t, target: target, objectHeight: objectHeight, donors: donors,
                                           settings: settings, rng: &rng)
                }
            }
            guard let found = stretch else {
                // No object here (or the stretch would run past the end): try a little later, same kind.
                if t + settings.length > target.frameCount { break }
                t += 4
                continue
            }
            stretches.append(found)
            turn += 1
            let span = settings.gap.upperBound - settings.gap.lowerBound + 1
            t = found.start + found.length + settings.gap.lowerBound + Int(rng.next() % UInt64(span))
        }
        return stretches
    }

    private static func regionStretch(_ kind: PlantedKind, at t: Int, target: PlantTarget, settings: PlantSettings,
                                      rng: inout SplitMix64) -> PlantedStretch? {
        let reach = kind == .speed ? settings.speedFactor * (settings.length - 1) : settings.length - 1
        for start in t ..< min(t + 9, target.frameCount) where start + reach < target.frameCount {
            let candidates = target.boxes[start].filter { $0.area >= settings.minBoxArea }
            guard !candidates.isEmpty else { continue }
            let box = candidates[Int(rng.next() % UInt64(candidates.count))]
            let grow = (settings.regionBoxes - 1) / 2
            let region = PixelRect(x1: max(0, box.x1 - grow * box.width), y1: max(0, box.y1 - grow * box.height),
                                   x2: min(target.width - 1, box.x2 + grow * box.width),
                                   y2: min(target.height - 1, box.y2 + grow * box.height))
            return PlantedStretch(kind: kind, start: start, length: settings.length, region: region,
                                  speedFactor: kind == .speed ? settings.speedFactor : 1)
        }
        return nil
    }

    private static func pasteStretch(at t: Int, target: PlantTarget, objectHeight: Int, donors: [DonorObject],
                                     settings: PlantSettings, rng: inout SplitMix64) -> PlantedStretch? {
        guard t + settings.length <= target.frameCount else { return nil }
        let donor = donors[Int(rng.next() % UInt64(donors.count))]
        let scale = uniform(settings.pasteScale, &rng)
        let height = min(target.height - 2, max(8, Int((Double(objectHeight) * scale).rounded())))
        let width = min(target.width - 2, max(4, Int((Double(donor.box.width) * Double(height) / Double(donor.box.height)).rounded())))
        let angle = uniform(0...(2 * Double.pi), &rng)
        let speed = uniform(settings.pasteSpeed, &rng) * Double(height)
        let x = Int(rng.next() % UInt64(target.width - width + 1))
        let y = Int(rng.next() % UInt64(target.height - height + 1))
        return PlantedStretch(kind: .paste, start: t, length: settings.length,
                              region: PixelRect(x1: x, y1: y, x2: x + width - 1, y2: y + height - 1), donor: donor,
                              pasteWidth: width, pasteHeight: height,
                              velocityX: speed * cos(angle), velocityY: speed * sin(angle))
    }

    private static func uniform(_ range: ClosedRange<Double>, _ rng: inout SplitMix64) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * rng.unit()
    }

    /// The planner's random stream for one video and variant: the same seed, name and variant give the same plan
    /// on every machine (FNV-1a of the name, not Swift's per-process hash).
    public static func rng(seed: UInt64, video: String, variant: Int) -> SplitMix64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in video.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SplitMix64(seed: seed ^ hash ^ (UInt64(variant) &* 0x9E37_79B9_7F4A_7C15))
    }
}
