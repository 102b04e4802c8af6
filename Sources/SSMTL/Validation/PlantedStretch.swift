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
    /// One of the video's own moving objects gets a vehicle's photograph (`ssmtl plant --objects`) over its lower
    /// part: the person and the motion are the scene's own, only the vehicle is new (criterion step 9).
    case ridden
}

/// An inclusive pixel rectangle.
public struct PixelRect: Equatable, Sendable {
    public var x1: Int, y1: Int, x2: Int, y2: Int
    public init(x1: Int, y1: Int, x2: Int, y2: Int) { self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2 }
    public var width: Int { x2 - x1 + 1 }
    public var height: Int { y2 - y1 + 1 }
    public var area: Int { max(0, width) * max(0, height) }
    var pixelBox: PixelBox { PixelBox(x1: x1, y1: y1, x2: x2, y2: y2) }
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
    /// A ridden stretch follows its object by the box of each next frame that overlaps it at least this much (IoU).
    public var followOverlap = 0.3
    /// Frames in a row without such a box (the last box is kept) before a ridden stretch gives up on its object.
    public var followGap = 3
    /// A ridden vehicle's height, in the followed boxes' median height.
    public var vehicleScale = 0.6
    public init() {}
}

/// One planted stretch of a video.
public struct PlantedStretch: Equatable, Sendable {
    public var kind: PlantedKind
    /// First output frame of the stretch.
    public var start: Int
    public var length: Int
    /// speed and reverse: the region replaced (clipped to the frame). paste: the pasted object's box at `start`.
    /// ridden: the ridden object's box at `start`.
    public var region: PixelRect
    /// paste: the donor object, the pasted size and the motion of its top-left corner in pixels per frame.
    /// ridden: the vehicle's size, and the motion (pixels per frame) of its bottom centre from `anchorX, anchorY`.
    public var donor: DonorObject?
    public var pasteWidth = 0, pasteHeight = 0
    public var velocityX = 0.0, velocityY = 0.0
    public var speedFactor = 1
    /// ridden: which photograph (an index into the planted objects), the followed object's box in each frame of the
    /// stretch, and the vehicle's bottom centre at `start` on the lines fitted to those boxes.
    public var object: Int?
    public var followed: [PixelRect] = []
    public var anchorX = 0.0, anchorY = 0.0

    public var frames: Range<Int> { start ..< start + length }

    /// The source frame a speed or reverse stretch shows in its region at output frame `frame`.
    public func sourceFrame(at frame: Int) -> Int {
        let k = frame - start
        switch kind {
        case .speed: return start + speedFactor * k
        case .reverse: return start + length - 1 - k
        case .paste, .ridden: return frame
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

    /// Where a ridden stretch's vehicle is at output frame `frame`: its bottom centre on the fitted lines (it may
    /// reach past the frame's edge, where nothing is drawn).
    public func vehicleRect(at frame: Int) -> PixelRect {
        let k = Double(frame - start)
        let x1 = Int((anchorX + velocityX * k - Double(pasteWidth) / 2).rounded())
        let y2 = Int((anchorY + velocityY * k).rounded())
        return PixelRect(x1: x1, y1: y2 - pasteHeight + 1, x2: x1 + pasteWidth - 1, y2: y2)
    }

    /// The anomalous region at output frame `frame` (the ground-truth track's box): a ridden stretch's object and
    /// its vehicle together, inside the frame.
    public func anomalyRect(at frame: Int, frameWidth: Int, frameHeight: Int) -> PixelRect {
        switch kind {
        case .speed, .reverse: return region
        case .paste: return pasteRect(at: frame, frameWidth: frameWidth, frameHeight: frameHeight)
        case .ridden:
            let box = followed[frame - start], vehicle = vehicleRect(at: frame)
            return PixelRect(x1: max(0, min(box.x1, vehicle.x1)), y1: max(0, min(box.y1, vehicle.y1)),
                             x2: min(frameWidth - 1, max(box.x2, vehicle.x2)), y2: min(frameHeight - 1, max(box.y2, vehicle.y2)))
        }
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
    /// Plans the stretches of one variant of a video. The kinds come in turn, starting with kind `variant % 4` with
    /// photographs (`objects`: each one's width and height) and `variant % 3` without them, so that a plan without
    /// them is the three-kind plan of before the ridden kind existed (paste is left out when there are no donors,
    /// ridden when there are no photographs). A speed, reverse or ridden stretch needs an object at its first frame
    /// (the planner looks up to 8 frames further and otherwise moves on); stretches never overlap in output frames.
    public static func plan(target: PlantTarget, donors: [DonorObject], objects: [(width: Int, height: Int)] = [], variant: Int,
                            settings: PlantSettings = PlantSettings(), rng: inout SplitMix64) -> [PlantedStretch] {
        let kinds = PlantedKind.allCases.filter { ($0 != .paste || !donors.isEmpty) && ($0 != .ridden || !objects.isEmpty) }
        let objectHeight = target.medianObjectHeight(minArea: settings.minBoxArea)
        var turn = variant % (objects.isEmpty ? 3 : 4)
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
            case .ridden:
                stretch = riddenStretch(at: t, target: target, objects: objects, settings: settings, rng: &rng)
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

    private static func riddenStretch(at t: Int, target: PlantTarget, objects: [(width: Int, height: Int)],
                                      settings: PlantSettings, rng: inout SplitMix64) -> PlantedStretch? {
        for start in t ..< min(t + 9, target.frameCount) where start + settings.length <= target.frameCount {
            let candidates = target.boxes[start].filter { $0.area >= settings.minBoxArea }
            guard !candidates.isEmpty else { continue }
            let first = candidates[Int(rng.next() % UInt64(candidates.count))]
            guard let followed = follow(first, from: start, length: settings.length, boxes: target.boxes, settings: settings) else { continue }
            let index = Int(rng.next() % UInt64(objects.count))
            let heights = followed.map(\.height).sorted()
            let height = max(4, Int((settings.vehicleScale * Double(heights[(heights.count - 1) / 2])).rounded()))
            let width = max(4, Int((Double(objects[index].width) * Double(height) / Double(objects[index].height)).rounded()))
            let centre = fittedLine(followed.map { Double($0.x1 + $0.x2) / 2 })
            let bottom = fittedLine(followed.map { Double($0.y2) })
            return PlantedStretch(kind: .ridden, start: start, length: settings.length, region: first,
                                  pasteWidth: width, pasteHeight: height, velocityX: centre.slope, velocityY: bottom.slope,
                                  object: index, followed: followed, anchorX: centre.intercept, anchorY: bottom.intercept)
        }
        return nil
    }

    /// The object of box `first` at frame `start` through `length` frames: in each next frame the box that overlaps
    /// the last one most, if at least `followOverlap`; a frame without one keeps the last box, and more than
    /// `followGap` such frames in a row end the attempt (nil).
    static func follow(_ first: PixelRect, from start: Int, length: Int, boxes: [[PixelRect]], settings: PlantSettings) -> [PixelRect]? {
        var followed = [first]
        var missed = 0
        for f in start + 1 ..< start + length {
            let last = followed[followed.count - 1]
            let best = boxes[f].filter { $0.area >= settings.minBoxArea }.map { (box: $0, overlap: last.pixelBox.iou($0.pixelBox)) }
                .max { $0.overlap < $1.overlap }
            if let best, best.overlap >= settings.followOverlap {
                followed.append(best.box)
                missed = 0
            } else {
                missed += 1
                if missed > settings.followGap { return nil }
                followed.append(last)
            }
        }
        return followed
    }

    /// The least-squares line through `values[k]` at k = 0, 1, ...: value ≈ intercept + slope · k.
    static func fittedLine(_ values: [Double]) -> (intercept: Double, slope: Double) {
        let n = Double(values.count)
        let meanK = (n - 1) / 2, meanValue = values.reduce(0, +) / n
        var covariance = 0.0, variance = 0.0
        for (k, value) in values.enumerated() {
            covariance += (Double(k) - meanK) * (value - meanValue)
            variance += (Double(k) - meanK) * (Double(k) - meanK)
        }
        let slope = variance > 0 ? covariance / variance : 0
        return (meanValue - slope * meanK, slope)
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
