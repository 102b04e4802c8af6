import NeuralNet
import VideoIO

/// Darknet YOLO as an object detector: resize (letterbox or stretch), forward, decode every yolo layer,
/// per-class NMS, boxes in frame pixels with the class probabilities of each kept box.
public final class YoloDetector: BatchObjectDetector {
    public let runner: DarknetRunner
    public var confidence: Float
    public var nmsThreshold: Float
    public var resize: ResizeMode
    /// The classes a box may be labelled with (nil = all): a box's class is its most probable allowed class above
    /// the confidence threshold, and a box without one is dropped. Its class probabilities stay complete.
    public var allowedClasses: Set<Int>?

    public init(runner: DarknetRunner, confidence: Float = 0.5, nmsThreshold: Float = 0.45, resize: ResizeMode = .letterbox,
                allowedClasses: Set<Int>? = nil) throws {
        guard !runner.network.yoloLayers.isEmpty else { throw DarknetError(runner.network.file, "the network has no [yolo] layer") }
        self.runner = runner
        self.confidence = confidence
        self.nmsThreshold = nmsThreshold
        self.resize = resize
        self.allowedClasses = allowedClasses
    }

    /// The number of classes of the network's [yolo] layers (the width of each box's class probabilities).
    public var classes: Int {
        for index in runner.network.yoloLayers { if case let .yolo(spec) = runner.network.layers[index].kind { return spec.classes } }
        return 0
    }

    /// Several frames at once, one per Swift worker of the thread plan (each forward pass single-threaded): on a
    /// multi-core machine this beats splitting each frame's GEMMs, whose Winograd and im2col steps run serially.
    /// Serial while the runner is profiling.
    public func detect(frames: [Frame]) throws -> [[DetectionBox]] {
        if runner.profiling || Threads.swiftWorkers <= 1 || frames.count <= 1 { return try frames.map(detect) }
        var results = [Result<[DetectionBox], Error>](repeating: .success([]), count: frames.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UncheckedSlots(slots)
            parallelChunks(frames.count) { _, range in
                for i in range { slots.base[i] = Result { try self.detect(frames[i]) } }
            }
        }
        return try results.map { try $0.get() }
    }

    public func detect(_ frame: Frame) throws -> [DetectionBox] {
        let net = runner.network
        let input = Preprocess.networkInput(frame, channels: net.input.c, netW: net.input.w, netH: net.input.h, mode: resize)
        let outputs = try runner.forward(input)
        var candidates: [YoloCandidate] = []
        var classes = 0
        for index in net.yoloLayers {
            let layer = net.layers[index]
            guard case let .yolo(spec) = layer.kind, let raw = outputs[index] else { continue }
            classes = spec.classes
            candidates += YoloDecoder.decode(raw, shape: layer.output, spec: spec, netW: net.input.w, netH: net.input.h,
                                             threshold: confidence)
        }
        YoloDecoder.nms(&candidates, classes: classes, threshold: nmsThreshold)
        let geometry = LetterboxGeometry(imageW: frame.width, imageH: frame.height, netW: net.input.w, netH: net.input.h, mode: resize)
        return YoloDecoder.toFrameBoxes(candidates, geometry: geometry, imageW: frame.width, imageH: frame.height, threshold: confidence,
                                        allowedClasses: allowedClasses)
    }
}

/// The result slots of `detect(frames:)`: each worker writes its own indices only.
private struct UncheckedSlots: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Result<[DetectionBox], Error>>
    init(_ base: UnsafeMutableBufferPointer<Result<[DetectionBox], Error>>) { self.base = base }
}
