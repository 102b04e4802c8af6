import Dispatch

/// Runs a Darknet network forward (inference) on CHW float inputs, one at a time or a batch of them.
/// Layer outputs are freed as soon as no later layer reads them (memory stays bounded for yolov3).
public final class DarknetRunner {
    public let network: DarknetNetwork
    public let weights: DarknetWeights
    /// Seconds spent per layer kind (conv, max, ...) over all forward passes so far, while `profiling` is on.
    public private(set) var secondsByKind: [String: Double] = [:]
    /// Seconds spent in each layer, by layer index, while `profiling` is on.
    public private(set) var secondsByLayer: [Int: Double] = [:]
    /// Times each layer (`secondsByKind`). Off, `forward` may run on several threads at once.
    public var profiling = false
    /// Last layer that reads each layer's output.
    private let lastUse: [Int]
    /// Each convolution prepared for inference (folded batch norm, Winograd or GEMM); nil for other layers.
    private let plans: [ConvolutionPlan?]
    /// Runs the convolutions on the reference path (im2col + GEMM, then batch norm, then activation): the tests
    /// compare the plans with it.
    public var useReferenceKernels = false

    public init(network: DarknetNetwork, weights: DarknetWeights) throws {
        guard weights.layers.count == network.layers.count else {
            throw DarknetError(network.file, "weights for \(weights.layers.count) layers, the network has \(network.layers.count)")
        }
        self.network = network
        self.weights = weights
        var lastUse = Array(0..<network.layers.count).map { $0 + 1 }
        for layer in network.layers {
            switch layer.kind {
            case let .route(spec): for i in spec.layers { lastUse[i] = max(lastUse[i], layer.index) }
            case let .shortcut(spec): lastUse[spec.from] = max(lastUse[spec.from], layer.index)
            default: break
            }
        }
        self.lastUse = lastUse
        plans = network.layers.map { layer in
            guard case let .convolutional(spec) = layer.kind else { return nil }
            return ConvolutionPlan(spec: spec, input: layer.input, output: layer.output, weights: weights.layers[layer.index])
        }
    }

    /// The kernel of each convolution (winograd, gemm, im2col), by layer index.
    public var convolutionKernels: [Int: String] {
        var kernels: [Int: String] = [:]
        for (i, plan) in plans.enumerated() { if let plan { kernels[i] = plan.kernelName } }
        return kernels
    }

    /// The convolutions `forward(batch:)` runs as one GEMM over the batch (small output planes), by layer index.
    public var batchedConvolutions: [Int] { plans.indices.filter { plans[$0]?.batchesWell == true } }

    /// The kernel `forward(batch:)` runs for each of them (dense, im2col), by layer index.
    public var batchedConvolutionKernels: [Int: String] {
        var kernels: [Int: String] = [:]
        for i in batchedConvolutions { kernels[i] = plans[i]!.batchedKernelName }
        return kernels
    }

    public convenience init(cfgPath: String, weightsPath: String) throws {
        let network = try DarknetNetwork.load(cfgPath: cfgPath)
        try self.init(network: network, weights: try DarknetWeights.load(path: weightsPath, network: network))
    }

    /// Forward pass. Returns the outputs of the yolo layers (raw: their input, no logistic applied), of the last
    /// layer, and of any layer in `keep`, by layer index.
    /// Batch 1, parallel inside each GEMM when the thread plan gives OpenBLAS the threads. In train and score it runs
    /// on the data thread beside the network (BLAS one thread); `ssmtl detect` runs a frame per core at once
    /// (`YoloDetector.detect(frames:)`). Without `profiling`, concurrent calls are safe: the plans are read-only
    /// and every buffer belongs to the call.
    public func forward(_ input: [Float], keep: Set<Int> = []) throws -> [Int: [Float]] {
        try forward(batch: [input], keep: keep)[0]
    }

    /// Forward passes of several inputs at once (the objects of a frame, `ClassifierTeacher`): for each input, what
    /// `forward` returns for it, to rounding. A convolution whose output plane is small (`ConvolutionPlan.batchesWell`:
    /// the deep layers of a small input) runs as one GEMM over all the inputs, so its weights are read once for the
    /// batch instead of once per input; the other layers run input by input. Memory: every input's live layer
    /// outputs at once, so callers pass a bounded number of inputs.
    public func forward(batch inputs: [[Float]], keep: Set<Int> = []) throws -> [[Int: [Float]]] {
        for input in inputs where input.count != network.input.count {
            throw DarknetError(network.file, "input has \(input.count) floats, the network takes \(network.input) = \(network.input.count)")
        }
        guard !inputs.isEmpty else { return [] }
        let lastIndex = network.layers.count - 1
        var keepAll = keep
        keepAll.insert(lastIndex)
        for i in network.yoloLayers { keepAll.insert(i) }
        var outputs = [[[Float]?]](repeating: [[Float]?](repeating: nil, count: network.layers.count), count: inputs.count)
        var previous = inputs
        for layer in network.layers {
            let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
            let outs: [[Float]]
            if inputs.count > 1, !useReferenceKernels, let plan = plans[layer.index], plan.batchesWell {
                outs = plan.forward(batch: previous)
            } else {
                outs = previous.indices.map { run(layer, previous[$0], outputs[$0]) }
            }
            if profiling {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                secondsByKind[layer.kind.name, default: 0] += seconds
                secondsByLayer[layer.index, default: 0] += seconds
            }
            for i in outputs.indices {
                outputs[i][layer.index] = outs[i]
                // Free what nobody reads any more.
                for j in 0..<layer.index where outputs[i][j] != nil && lastUse[j] <= layer.index && !keepAll.contains(j) {
                    outputs[i][j] = nil
                }
            }
            previous = outs
        }
        return outputs.map { layerOutputs in
            var result: [Int: [Float]] = [:]
            for i in keepAll { if let o = layerOutputs[i] { result[i] = o } }
            return result
        }
    }

    private func run(_ layer: NetworkLayer, _ x: [Float], _ outputs: [[Float]?]) -> [Float] {
        let w = weights.layers[layer.index]
        var out = [Float](repeating: 0, count: layer.output.count)
        switch layer.kind {
        case .convolutional where !useReferenceKernels:
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { plans[layer.index]!.forward(input: xb.baseAddress!, output: $0.baseAddress!) }
            }
        case let .convolutional(spec):
            x.withUnsafeBufferPointer { xb in
                w.weights.withUnsafeBufferPointer { wb in
                    out.withUnsafeMutableBufferPointer { ob in
                        Convolution.forward(input: xb.baseAddress!, layer.input, weights: wb.baseAddress!, spec,
                                            output: ob.baseAddress!, layer.output)
                        DarknetKernels.batchNormBias(ob.baseAddress!, channels: spec.filters, plane: layer.output.h * layer.output.w, weights: w)
                        DarknetKernels.activate(ob.baseAddress!, count: ob.count, spec.activation)
                    }
                }
            }
        case let .maxpool(spec):
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { DarknetKernels.maxpool(xb.baseAddress!, layer.input, spec, $0.baseAddress!, layer.output) }
            }
        case .avgpool:
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { DarknetKernels.avgpool(xb.baseAddress!, layer.input, $0.baseAddress!) }
            }
        case let .upsample(stride, scale):
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { DarknetKernels.upsample(xb.baseAddress!, layer.input, stride: stride, scale: scale, $0.baseAddress!) }
            }
        case let .route(spec):
            var offset = 0
            for i in spec.layers {
                let source = outputs[i]!
                let shape = network.layers[i].output
                let part = shape.count / spec.groups
                out.replaceSubrange(offset..<offset + part, with: source[(spec.groupID * part)..<((spec.groupID + 1) * part)])
                offset += part
            }
        case let .shortcut(spec):
            let other = outputs[spec.from]!
            for i in 0..<out.count { out[i] = spec.alpha * x[i] + spec.beta * other[i] }
            out.withUnsafeMutableBufferPointer { DarknetKernels.activate($0.baseAddress!, count: $0.count, spec.activation) }
        case let .connected(spec):
            let inputs = layer.input.count
            x.withUnsafeBufferPointer { xb in
                w.weights.withUnsafeBufferPointer { wb in
                    out.withUnsafeMutableBufferPointer { ob in
                        // out[n x 1] = W[n x inputs] . x[inputs x 1]
                        Convolution.connected(input: xb.baseAddress!, inputs: inputs, weights: wb.baseAddress!,
                                              outputs: spec.outputs, output: ob.baseAddress!)
                        DarknetKernels.batchNormBias(ob.baseAddress!, channels: spec.outputs, plane: 1, weights: w)
                        DarknetKernels.activate(ob.baseAddress!, count: ob.count, spec.activation)
                    }
                }
            }
        case let .softmax(groups):
            out = x
            out.withUnsafeMutableBufferPointer { DarknetKernels.softmax($0.baseAddress!, count: $0.count, groups: groups) }
        case .dropout, .yolo:
            out = x
        }
        return out
    }
}
