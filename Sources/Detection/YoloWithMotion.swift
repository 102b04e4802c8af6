import VideoIO

/// `yolo+motion`: YOLO's boxes, plus the motion detector's boxes that no YOLO box covers (SSMTL++'s remedy for
/// objects the detector misses: an unknown kind of object, an odd pose, a person too small for the network). A motion
/// box counts as covered when at least `coveredShare` of its area lies inside one YOLO box. Motion boxes carry no class:
/// their class is -1 and their class probabilities zeros of YOLO's width (the distillation target of "no class
/// recognised").
public final class YoloWithMotion: BatchObjectDetector {
    public let yolo: ObjectDetector
    public let motion: ObjectDetector
    /// The width of YOLO's class probabilities, given to the motion boxes as zeros.
    public let classes: Int
    /// The share of a motion box's area inside a YOLO box that makes it a duplicate.
    public static let coveredShare = 0.5

    public init(yolo: ObjectDetector, motion: ObjectDetector, classes: Int) {
        self.yolo = yolo
        self.motion = motion
        self.classes = classes
    }

    public func detect(_ frame: Frame) throws -> [DetectionBox] {
        try union(yolo: yolo.detect(frame), motion: motion.detect(frame))
    }

    /// YOLO on the frames at once when it can (`BatchObjectDetector`), the motion detector frame by frame in order
    /// (it keeps a background).
    public func detect(frames: [Frame]) throws -> [[DetectionBox]] {
        let found = try yolo.detectInOrder(frames)
        return try zip(frames, found).map { frame, boxes in try union(yolo: boxes, motion: motion.detect(frame)) }
    }

    private func union(yolo found: [DetectionBox], motion proposals: [DetectionBox]) -> [DetectionBox] {
        var boxes = found
        for box in proposals where !found.contains(where: { Self.share(of: box, inside: $0) >= Self.coveredShare }) {
            var proposal = box
            proposal.classID = -1
            proposal.classProbabilities = [Float](repeating: 0, count: classes)
            boxes.append(proposal)
        }
        return boxes
    }

    /// The fraction of `box`'s pixels (inclusive coordinates) that lie inside `other`.
    static func share(of box: DetectionBox, inside other: DetectionBox) -> Double {
        let w = min(box.x2, other.x2) - max(box.x1, other.x1) + 1
        let h = min(box.y2, other.y2) - max(box.y1, other.y1) + 1
        guard w > 0, h > 0 else { return 0 }
        let area = (box.x2 - box.x1 + 1) * (box.y2 - box.y1 + 1)
        return Double(w * h) / Double(max(area, 1))
    }
}
