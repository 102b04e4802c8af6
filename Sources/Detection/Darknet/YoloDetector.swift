import VideoIO

/// Darknet YOLO as an object detector: resize (letterbox or stretch), forward, decode every yolo layer,
/// per-class NMS, boxes in frame pixels with the class probabilities of each kept box.
public final class YoloDetector: ObjectDetector {
    public let runner: DarknetRunner
    public var confidence: Float
    public var nmsThreshold: Float
    public var resize: ResizeMode

    public init(runner: DarknetRunner, confidence: Float = 0.5, nmsThreshold: Float = 0.45, resize: ResizeMode = .letterbox) throws {
        guard !runner.network.yoloLayers.isEmpty else { throw DarknetError(runner.network.file, "the network has no [yolo] layer") }
        self.runner = runner
        self.confidence = confidence
        self.nmsThreshold = nmsThreshold
        self.resize = resize
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
        return YoloDecoder.toFrameBoxes(candidates, geometry: geometry, imageW: frame.width, imageH: frame.height, threshold: confidence)
    }
}
