/// One detected object in frame pixels: an inclusive box (x1...x2, y1...y2), a confidence, a class,
/// and (YOLO only) the probabilities of every class, the distillation target.
public struct DetectionBox: Sendable, Equatable {
    public var x1: Int, y1: Int, x2: Int, y2: Int
    public var confidence: Float
    public var classID: Int
    public var classProbabilities: [Float]

    public init(x1: Int, y1: Int, x2: Int, y2: Int, confidence: Float = 1, classID: Int = 0, classProbabilities: [Float] = []) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
        self.confidence = confidence
        self.classID = classID
        self.classProbabilities = classProbabilities
    }

    public var width: Int { x2 - x1 + 1 }
    public var height: Int { y2 - y1 + 1 }
    public var area: Int { max(0, width) * max(0, height) }

    /// Intersection over union with the inclusive pixel convention (areas (x2-x1+1)(y2-y1+1)).
    public func iou(_ other: DetectionBox) -> Double {
        let iw = min(x2, other.x2) - max(x1, other.x1) + 1
        let ih = min(y2, other.y2) - max(y1, other.y1) + 1
        guard iw > 0, ih > 0 else { return 0 }
        let inter = Double(iw * ih)
        return inter / (Double(area + other.area) - inter)
    }
}

/// What `ssmtl detect` and the pipeline need of a detector: the objects of each frame, frames given in order.
public protocol ObjectDetector: AnyObject {
    func detect(_ frame: Frame) throws -> [DetectionBox]
}

/// A detector that can take consecutive frames of one video at once (YOLO runs them a frame per Swift worker).
/// The result equals `frames.map(detect)`.
public protocol BatchObjectDetector: ObjectDetector {
    func detect(frames: [Frame]) throws -> [[DetectionBox]]
}

extension ObjectDetector {
    /// Consecutive frames of one video, together when the detector can (`BatchObjectDetector`), else one by one.
    public func detectInOrder(_ frames: [Frame]) throws -> [[DetectionBox]] {
        try (self as? BatchObjectDetector)?.detect(frames: frames) ?? frames.map { try detect($0) }
    }
}

import VideoIO
