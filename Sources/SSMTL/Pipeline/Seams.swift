import VideoIO

/// One object found in a frame by a detector.
public struct DetectedObject: Sendable, Equatable {
    public var box: PixelBox
    public var confidence: Float
    public var classID: Int
    /// The detector's class probabilities (YOLO: 80 COCO classes), the distillation target; empty for detectors
    /// without classes (motion).
    public var classProbabilities: [Float]

    public init(box: PixelBox, confidence: Float = 1, classID: Int = 0, classProbabilities: [Float] = []) {
        self.box = box
        self.confidence = confidence
        self.classID = classID
        self.classProbabilities = classProbabilities
    }
}

/// What the pipeline needs of a detector: the objects of each frame, frames given in order.
public protocol FrameDetector: AnyObject {
    func detect(_ frame: Frame) throws -> [DetectedObject]
}

/// One batch of objects for the network.
///
/// forward: (N, 3, 7, S, S) crops i-3 ... i+3; middleInput: (N, 3, 6, S, S) the same without i;
/// middleTarget: (N, 3, 1, S, S) the crop at i; teacher: N rows of the detector's class probabilities
/// (empty rows for detectors without classes).
public struct ObjectBatch {
    public var forward: SequenceTensor
    public var middleInput: SequenceTensor
    public var middleTarget: SequenceTensor
    public var teacher: [[Float]]
}

/// What the pipeline needs of the multi-task network at test time: raw head scores per object.
public protocol ObjectScorer: AnyObject {
    /// Side of the square crops the network takes (64).
    var cropSide: Int { get }
    func scores(for batch: ObjectBatch) throws -> [HeadScores]
}
