/// Shape of one activation: channels x height x width (batch 1, planar CHW as darknet).
public struct TensorShape: Sendable, Equatable, CustomStringConvertible {
    public var c: Int, h: Int, w: Int
    public init(c: Int, h: Int, w: Int) { self.c = c; self.h = h; self.w = w }
    public var count: Int { c * h * w }
    public var description: String { "\(w) x \(h) x \(c)" }
}

public enum Activation: String, Sendable, CaseIterable {
    case linear, leaky, relu, logistic, mish
}

public struct ConvolutionalSpec: Sendable, Equatable {
    public var filters: Int, size: Int, stride: Int, padding: Int, groups: Int
    public var batchNormalize: Bool
    public var activation: Activation
}

/// darknet maxpool: the window starts at -padding/2; out-of-frame cells count as -infinity.
public struct MaxPoolSpec: Sendable, Equatable {
    public var size: Int, stride: Int, padding: Int
}

/// Channel concatenation of earlier layers (absolute indices), each optionally sliced to group `groupID` of `groups`.
public struct RouteSpec: Sendable, Equatable {
    public var layers: [Int]
    public var groups: Int, groupID: Int
}

/// out = alpha * previous + beta * layers[from], then the activation.
public struct ShortcutSpec: Sendable, Equatable {
    public var from: Int
    public var alpha: Float, beta: Float
    public var activation: Activation
}

public struct ConnectedSpec: Sendable, Equatable {
    public var outputs: Int
    public var batchNormalize: Bool
    public var activation: Activation
}

/// A YOLO output layer: `mask` picks this layer's anchors among all `anchors` (w,h pairs in network-input pixels).
public struct YoloSpec: Sendable, Equatable {
    public var mask: [Int]
    public var anchors: [Float]
    public var classes: Int
}

public enum LayerKind: Sendable, Equatable {
    case convolutional(ConvolutionalSpec)
    case maxpool(MaxPoolSpec)
    case avgpool
    case upsample(stride: Int, scale: Float)
    case route(RouteSpec)
    case shortcut(ShortcutSpec)
    case connected(ConnectedSpec)
    case softmax(groups: Int)
    case dropout
    case yolo(YoloSpec)

    public var name: String {
        switch self {
        case .convolutional: "conv"
        case .maxpool: "max"
        case .avgpool: "avg"
        case .upsample: "upsample"
        case .route: "route"
        case .shortcut: "shortcut"
        case .connected: "connected"
        case .softmax: "softmax"
        case .dropout: "dropout"
        case .yolo: "yolo"
        }
    }
}

public struct NetworkLayer: Sendable, Equatable {
    public var index: Int
    public var kind: LayerKind
    public var input: TensorShape
    public var output: TensorShape
    /// Line of the section header in the cfg.
    public var line: Int
}
