/// A Darknet network as built from a .cfg: the layers with their shapes propagated from `[net]`.
public struct DarknetNetwork: Sendable {
    public var file: String
    public var input: TensorShape
    /// `letter_box=1` in `[net]` (AlexeyAB); the detect command's --resize option overrides it.
    public var letterBox: Bool
    public var layers: [NetworkLayer]
    /// Lines of `ssmtl: warning` text for keys the cfg sets but this runner never reads.
    public var warnings: [String]

    public static func load(cfgPath: String) throws -> DarknetNetwork {
        try build(try CfgFile.load(path: cfgPath))
    }

    public static func parse(_ text: String, file: String = "<cfg>") throws -> DarknetNetwork {
        try build(try CfgFile.parse(text, file: file))
    }

    public static func build(_ cfg: CfgFile) throws -> DarknetNetwork {
        let net = cfg.sections[0]
        let width = try net.int("width", default: 0), height = try net.int("height", default: 0)
        let channels = try net.int("channels", default: 0)
        guard width > 0, height > 0, channels > 0 else {
            throw DarknetError(cfg.file, line: net.line, "[net] needs positive width, height and channels")
        }
        guard width <= 8192, height <= 8192, channels <= 64 else {
            throw DarknetError(cfg.file, line: net.line, "[net] width and height must be at most 8192 and channels at most 64 (got \(width)x\(height)x\(channels))")
        }
        let letterBox = try net.int("letter_box", default: 0) != 0
        // Training-only [net] keys: read so they do not show as unused.
        for key in ["batch", "subdivisions", "momentum", "decay", "angle", "saturation", "exposure", "hue", "learning_rate",
                    "burn_in", "max_batches", "policy", "steps", "scales", "mosaic", "min_crop", "max_crop", "aspect"] {
            _ = net.string(key)
        }
        var builder = ShapeBuilder(file: cfg.file, input: TensorShape(c: channels, h: height, w: width))
        for section in cfg.sections.dropFirst() {
            try builder.add(section)
        }
        return DarknetNetwork(file: cfg.file, input: builder.input, letterBox: letterBox, layers: builder.layers,
                              warnings: cfg.unusedWarnings)
    }

    /// Indices of the yolo layers, in order.
    public var yoloLayers: [Int] { layers.filter { if case .yolo = $0.kind { true } else { false } }.map(\.index) }

    /// Float count of each layer's parameters in the .weights file (0 for layers without weights).
    public func parameterCount(of layer: NetworkLayer) -> Int {
        switch layer.kind {
        case let .convolutional(spec):
            let n = spec.filters
            return n + (spec.batchNormalize ? 3 * n : 0) + n * (layer.input.c / spec.groups) * spec.size * spec.size
        case let .connected(spec):
            let n = spec.outputs
            return n + n * layer.input.count + (spec.batchNormalize ? 3 * n : 0)
        default:
            return 0
        }
    }

    /// Floats of the largest activation a forward pass holds: the input or a layer's output (what bounds a batch's
    /// memory, `DarknetRunner.forward(batch:)`).
    public var largestActivationCount: Int { max(input.count, layers.map(\.output.count).max() ?? 0) }

    /// Floats the .weights file must hold after its header.
    public var parameterCount: Int { layers.reduce(0) { $0 + parameterCount(of: $1) } }

    /// darknet-style table: one line per layer with its shape change.
    public func layerTable() -> String {
        var lines = ["layer     filters  size/strd        input                output"]
        for layer in layers {
            let index = String(layer.index).leftPadded(4)
            var what = layer.kind.name.padded(6)
            switch layer.kind {
            case let .convolutional(s):
                what += "\(s.filters)".leftPadded(6) + "  \(s.size) x \(s.size) / \(s.stride)" + (s.groups > 1 ? " g\(s.groups)" : "")
                    + (s.batchNormalize ? " bn" : "") + " \(s.activation.rawValue)"
            case let .maxpool(s): what += "        \(s.size) x \(s.size) / \(s.stride)"
            case let .upsample(stride, _): what += "              \(stride)x"
            case let .route(s): what += "  " + s.layers.map(String.init).joined(separator: ",")
                + (s.groups > 1 ? " group \(s.groupID)/\(s.groups)" : "")
            case let .shortcut(s): what += "  from \(s.from) \(s.activation.rawValue)"
            case let .connected(s): what += "\(s.outputs)".leftPadded(6) + " \(s.activation.rawValue)"
            case let .yolo(s): what += "  mask " + s.mask.map(String.init).joined(separator: ",") + " classes \(s.classes)"
            default: break
            }
            lines.append("\(index) \(what.padded(40)) \(layer.input.description.leftPadded(16)) -> \(layer.output.description.leftPadded(16))")
        }
        lines.append("parameters: \(parameterCount) floats")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
