import Detection
import VideoIO

extension DetectionBox {
    /// The box's geometry.
    public var pixelBox: PixelBox { PixelBox(x1: x1, y1: y1, x2: x2, y2: y2) }

    /// The same detection with its box cut to a width x height frame; nil when nothing is left inside.
    public func clipped(width: Int, height: Int) -> DetectionBox? {
        let box = pixelBox.clipped(width: width, height: height)
        guard !box.isEmpty else { return nil }
        var out = self
        out.x1 = box.x1; out.y1 = box.y1; out.x2 = box.x2; out.y2 = box.y2
        return out
    }
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
