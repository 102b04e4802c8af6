import VideoIO

/// An extra distillation teacher (spec §5, `--teacher`): a Darknet classifier run on every detected object's crop
/// (stretched to the network's input size, as Darknet's classifiers are fed); the output of its last layer
/// (class probabilities after a softmax, or features for a cfg that stops earlier) is appended to the box's
/// class probabilities, so the distillation target becomes [YOLO class probabilities, classifier output].
public final class ClassifierTeacher: ObjectDetector {
    public let base: ObjectDetector
    public let runner: DarknetRunner
    /// Floats appended to each box.
    public var width: Int { runner.network.layers.last?.output.count ?? 0 }

    public init(base: ObjectDetector, runner: DarknetRunner) {
        self.base = base
        self.runner = runner
        batchSize = max(1, min(32, (8 << 20) / max(runner.network.largestActivationCount, 1)))
    }

    public func detect(_ frame: Frame) throws -> [DetectionBox] {
        var boxes = try base.detect(frame)
        var start = 0
        while start < boxes.count {
            let end = min(start + batchSize, boxes.count)
            let outputs = try features(of: Array(boxes[start..<end]), in: frame)
            for i in start..<end { boxes[i].classProbabilities += outputs[i - start] }
            start = end
        }
        return boxes
    }

    /// Boxes whose crops go through the classifier together (`DarknetRunner.forward(batch:)`, whose deep layers read
    /// their weights once per batch): 32, or fewer when the network's largest activation times the batch would pass
    /// 8 M floats (32 MB), which bounds the memory for large classifier inputs.
    public let batchSize: Int

    /// The classifier's output for each box of a frame (each box clipped to the frame), in one batched pass.
    public func features(of boxes: [DetectionBox], in frame: Frame) throws -> [[Float]] {
        let net = runner.network
        let inputs = boxes.map {
            Preprocess.networkInput(Self.crop($0, of: frame), channels: net.input.c, netW: net.input.w, netH: net.input.h, mode: .stretch)
        }
        return try runner.forward(batch: inputs).map { $0[net.layers.count - 1] ?? [] }
    }

    /// The pixels of `box` (inclusive, clipped to the frame; at least one pixel) as a frame of their own.
    static func crop(_ box: DetectionBox, of frame: Frame) -> Frame {
        let x1 = min(max(box.x1, 0), frame.width - 1), x2 = max(min(box.x2, frame.width - 1), x1)
        let y1 = min(max(box.y1, 0), frame.height - 1), y2 = max(min(box.y2, frame.height - 1), y1)
        return frame.cropped(x: x1, y: y1, width: x2 - x1 + 1, height: y2 - y1 + 1)
    }
}
