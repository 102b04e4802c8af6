/// Reads one section at a time and propagates the running shape (darknet's `size_params`).
struct ShapeBuilder {
    let file: String
    let input: TensorShape
    var layers: [NetworkLayer] = []

    init(file: String, input: TensorShape) {
        self.file = file
        self.input = input
    }

    /// The most values a layer's output or weights may have (1 GB of floats).
    static let maximumValues = Double(1 << 28)

    private var current: TensorShape { layers.last?.output ?? input }

    mutating func add(_ s: CfgSection) throws {
        let index = layers.count
        let inShape = current
        let kind: LayerKind
        var out = inShape
        switch s.type {
        case .net:
            throw DarknetError(file, line: s.line, "[net] may only be the first section")
        case .convolutional:
            let filters = try s.int("filters", default: 1), size = try s.int("size", default: 1)
            let stride = try s.int("stride", default: 1), groups = try s.int("groups", default: 1)
            let pad = try s.int("pad", default: 0)
            var padding = try s.int("padding", default: 0)
            if pad != 0 { padding = size / 2 }
            guard filters > 0 else { throw s.error("filters", "must be positive") }
            guard size > 0 else { throw s.error("size", "must be positive") }
            guard stride > 0 else { throw s.error("stride", "must be positive") }
            guard padding >= 0 else { throw s.error("padding", "must not be negative") }
            guard groups > 0, inShape.c % groups == 0, filters % groups == 0 else {
                throw s.error("groups", "\(groups) must divide the input channels (\(inShape.c)) and filters (\(filters))")
            }
            let activation = try activationOf(s, default: .logistic)
            let bn = try s.int("batch_normalize", default: 0) != 0
            out = TensorShape(c: filters, h: (inShape.h + 2 * padding - size) / stride + 1,
                              w: (inShape.w + 2 * padding - size) / stride + 1)
            kind = .convolutional(ConvolutionalSpec(filters: filters, size: size, stride: stride, padding: padding,
                                                    groups: groups, batchNormalize: bn, activation: activation))
        case .maxpool:
            let stride = try s.int("stride", default: 1)
            let size = try s.int("size", default: stride)
            let padding = try s.int("padding", default: size - 1)
            guard stride > 0 else { throw s.error("stride", "must be positive") }
            guard size > 0 else { throw s.error("size", "must be positive") }
            guard padding >= 0 else { throw s.error("padding", "must not be negative") }
            out = TensorShape(c: inShape.c, h: (inShape.h + padding - size) / stride + 1,
                              w: (inShape.w + padding - size) / stride + 1)
            kind = .maxpool(MaxPoolSpec(size: size, stride: stride, padding: padding))
        case .avgpool:
            out = TensorShape(c: inShape.c, h: 1, w: 1)
            kind = .avgpool
        case .upsample:
            let stride = try s.int("stride", default: 2)
            let scale = try s.float("scale", default: 1)
            guard stride > 0 else { throw s.error("stride", "must be positive (downsampling is not supported)") }
            out = TensorShape(c: inShape.c, h: inShape.h * stride, w: inShape.w * stride)
            kind = .upsample(stride: stride, scale: scale)
        case .route:
            guard let raw = try s.intList("layers") else { throw DarknetError(file, line: s.line, "[route] needs 'layers='") }
            let groups = try s.int("groups", default: 1), groupID = try s.int("group_id", default: 0)
            guard groups > 0 else { throw s.error("groups", "must be positive") }
            guard groupID >= 0, groupID < groups else { throw s.error("group_id", "must be in 0..<\(groups)") }
            let absolute = try raw.map { try resolve($0, from: index, s, "layers") }
            var channels = 0
            let first = layers[absolute[0]].output
            for i in absolute {
                let shape = layers[i].output
                guard shape.h == first.h, shape.w == first.w else {
                    throw s.error("layers", "layer \(i) is \(shape) but layer \(absolute[0]) is \(first): sizes differ")
                }
                guard shape.c % groups == 0 else { throw s.error("groups", "\(groups) does not divide \(shape.c) channels of layer \(i)") }
                channels += shape.c / groups
            }
            out = TensorShape(c: channels, h: first.h, w: first.w)
            kind = .route(RouteSpec(layers: absolute, groups: groups, groupID: groupID))
        case .shortcut:
            guard let from = try s.int("from") else { throw DarknetError(file, line: s.line, "[shortcut] needs 'from='") }
            let absolute = try resolve(from, from: index, s, "from")
            guard layers[absolute].output == inShape else {
                throw s.error("from", "layer \(absolute) is \(layers[absolute].output) but the input is \(inShape)")
            }
            kind = .shortcut(ShortcutSpec(from: absolute, alpha: try s.float("alpha", default: 1),
                                          beta: try s.float("beta", default: 1), activation: try activationOf(s, default: .linear)))
        case .connected:
            let outputs = try s.int("output", default: 1)
            guard outputs > 0 else { throw s.error("output", "must be positive") }
            out = TensorShape(c: outputs, h: 1, w: 1)
            kind = .connected(ConnectedSpec(outputs: outputs, batchNormalize: try s.int("batch_normalize", default: 0) != 0,
                                            activation: try activationOf(s, default: .logistic)))
        case .softmax:
            let groups = try s.int("groups", default: 1)
            guard groups > 0, inShape.count % groups == 0 else { throw s.error("groups", "must divide the input size \(inShape.count)") }
            _ = s.string("temperature")
            kind = .softmax(groups: groups)
        case .dropout:
            _ = s.string("probability")
            kind = .dropout
        case .yolo:
            let classes = try s.int("classes", default: 20)
            let num = try s.int("num", default: 1)
            guard (1...4096).contains(num) else { throw s.error("num", "must lie in 1...4096") }
            let anchors = try s.floatList("anchors") ?? []
            let mask = try s.intList("mask") ?? Array(0..<num)
            guard classes > 0 else { throw s.error("classes", "must be positive") }
            guard anchors.count >= 2 * num, anchors.count % 2 == 0 else {
                throw s.error("anchors", "needs num=\(num) pairs of w,h (found \(anchors.count) numbers)")
            }
            guard mask.allSatisfy({ $0 >= 0 && $0 < anchors.count / 2 }) else { throw s.error("mask", "indexes an anchor that does not exist") }
            guard inShape.c == mask.count * (classes + 5) else {
                throw DarknetError(file, line: s.line, "[yolo] input has \(inShape.c) channels, expected \(mask.count) x (\(classes) + 5) = \(mask.count * (classes + 5))")
            }
            // Training-only keys.
            for key in ["jitter", "ignore_thresh", "truth_thresh", "random", "max", "scale_x_y", "iou_thresh",
                        "cls_normalizer", "iou_normalizer", "iou_loss", "nms_kind", "beta_nms", "resize"] {
                _ = s.string(key)
            }
            kind = .yolo(YoloSpec(mask: mask, anchors: anchors, classes: classes))
        }
        guard out.c > 0, out.h > 0, out.w > 0 else {
            throw DarknetError(file, line: s.line, "[\(s.name)] layer \(index) gives an empty output (\(out)) from \(inShape)")
        }
        // Sizes are checked in floating point so that absurd values fail here instead of overflowing or asking
        // for terabytes when the layer is allocated.
        let outputValues = Double(out.c) * Double(out.h) * Double(out.w)
        guard outputValues <= ShapeBuilder.maximumValues else {
            throw DarknetError(file, line: s.line, "[\(s.name)] layer \(index) gives an output of \(out) (over 2^28 values)")
        }
        if case .connected(let spec) = kind, Double(spec.outputs) * Double(inShape.count) > ShapeBuilder.maximumValues {
            throw DarknetError(file, line: s.line, "[\(s.name)] layer \(index) needs over 2^28 weights (\(spec.outputs) outputs of \(inShape.count) inputs)")
        }
        if case .convolutional(let spec) = kind {
            let weights = Double(spec.filters) * Double(spec.size) * Double(spec.size) * Double(inShape.c)
            guard weights <= ShapeBuilder.maximumValues else {
                throw DarknetError(file, line: s.line, "[\(s.name)] layer \(index) needs over 2^28 weights (\(spec.filters) filters of \(spec.size)x\(spec.size)x\(inShape.c))")
            }
            // The convolution unfolds its input into a (C/groups x size^2) x (outH x outW) matrix.
            let unfolded = Double(inShape.c / spec.groups) * Double(spec.size) * Double(spec.size) * Double(out.h) * Double(out.w)
            guard unfolded <= ShapeBuilder.maximumValues else {
                throw DarknetError(file, line: s.line, "[\(s.name)] layer \(index) would unfold its input into over 2^28 values (size \(spec.size) over \(inShape))")
            }
        }
        layers.append(NetworkLayer(index: index, kind: kind, input: inShape, output: out, line: s.line))
    }

    private func resolve(_ value: Int, from index: Int, _ s: CfgSection, _ key: String) throws -> Int {
        let absolute = value < 0 ? index + value : value
        guard absolute >= 0, absolute < index else {
            throw s.error(key, "\(value) does not name an earlier layer (this is layer \(index))")
        }
        return absolute
    }

    private func activationOf(_ s: CfgSection, default value: Activation) throws -> Activation {
        guard let text = s.string("activation") else { return value }
        guard let activation = Activation(rawValue: text) else {
            throw s.error("activation", "'\(text)' is not one of " + Activation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return activation
    }
}
