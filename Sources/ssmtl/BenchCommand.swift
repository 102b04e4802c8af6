import ArgumentParser
import Detection
import Foundation
import NeuralNet
import SSMTL

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Micro-benchmarks.", subcommands: [BenchNN.self, BenchDarknet.self])
}

/// Objects per second for training (forward + backward of all four losses + Adam) and inference.
struct BenchNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Benchmark the multi-task network: last line is train_objects_per_s=X infer_objects_per_s=Y.")

    @Option(help: "Network variant: shallow-narrow, shallow-wide, deep-narrow, deep-wide.")
    var variant: String = "shallow-narrow"
    @Option(help: "Objects per batch.") var batch: Int = 64
    @Option(help: "Seconds to run each of the training and inference phases.") var seconds: Double = 10
    @Option(help: "Thread budget (0 = all cores).") var threads: Int = 0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Flag(help: "Give the thread budget to OpenBLAS instead of splitting the batch over Swift workers.")
    var blasThreads = false
    @Flag(help: "Use plain vol2col for 3D convs instead of frame-shifted GEMMs.")
    var vol2col = false
    @Flag(name: .customLong("no-winograd"), help: "Run inference's 3x3 3D convolutions on frame-shifted GEMMs instead of Winograd F(2x2, 3x3).")
    var noWinograd = false
    @Flag(name: .customLong("no-direct"), help: "Run inference's first 3D convolution (3 input channels) on frame-shifted GEMMs instead of the direct AVX2 kernel.")
    var noDirect = false
    @Flag(name: .customLong("no-winograd4"), help: "Run inference's 3x3 3D convolutions on frames of 32x32 pixels or more by Winograd F(2x2, 3x3) instead of F(4x4, 3x3).")
    var noWinograd4 = false
    @Option(name: .customLong("iterations"), help: "Run exactly this many batches per phase instead of --seconds.")
    var iterationsLimit: Int?
    @Flag(help: "Print the time spent in each layer (forward and backward) after each phase.")
    var profile = false

    func validate() throws {
        guard Variant(rawValue: variant) != nil else {
            throw ValidationError("unknown variant '\(variant)' (expected one of \(Variant.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard (1...maximumBatch).contains(batch) else { throw ValidationError("--batch must be in 1...\(maximumBatch)") }
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--seconds must be positive") }
        if let iterationsLimit { guard iterationsLimit >= 1 else { throw ValidationError("--iterations must be at least 1") } }
        try validateThreadCount(threads)
    }

    func run() throws {
        let plan = Threads.configure(threads: threads, preferBLAS: blasThreads)
        Conv.preferShifted = !vol2col
        Conv.preferWinograd = !noWinograd
        Conv.preferDirect = !noDirect
        Conv.preferWinograd4 = !noWinograd4
        let config = NetworkConfig(variant: Variant(rawValue: variant)!)
        let net = MultiTaskNet(config: config, seed: seed)
        var rng = RNG(seed: seed &+ 1)
        let s = config.cropSize, c = config.inputChannels
        let seq = Tensor(shape: [batch, c, config.sequenceFrames, s, s]); rng.fillUniform(seq, 0, 1)
        let mid = MultiTaskNet.middleInput(of: seq)  // as at test time: the sequence without its centre frame
        let target = Tensor(shape: [batch, c, s, s]); rng.fillUniform(target, 0, 1)
        let teacher = Tensor(shape: [batch, config.teacherWidth]); rng.fillUniform(teacher, 0, 1)
        let labelsA = (0..<batch).map { _ in Int32(rng.int(2)) }, labelsM = (0..<batch).map { _ in Int32(rng.int(2)) }
        let b = MultiTaskBatch(sequence: seq, middleInput: mid, middleTarget: target, teacher: teacher,
                               aotLabels: labelsA, miLabels: labelsM)
        let adam = Adam(params: net.parameters, lr: 1e-3)
        let nParams = net.parameters.reduce(0) { $0 + $1.value.count }
        print("variant=\(variant) batch=\(batch) params=\(nParams) threads=\(plan) blas_core=\(Threads.blasCoreName) direct_conv=\(noDirect ? "off" : DirectConvPlan.available ? "avx2-fma" : "unavailable") winograd=\(noWinograd4 || !Winograd4ConvPlan.available ? "f2x2" : "f4x4+f2x2")")

        func measure(_ body: () -> Void) -> Double {
            body()  // warm-up: allocates workspaces
            let start = Date()
            var iterations = 0
            repeat { body(); iterations += 1 }
            while iterationsLimit.map({ iterations < $0 }) ?? (Date().timeIntervalSince(start) < seconds)
            return Double(iterations * batch) / Date().timeIntervalSince(start)
        }
        var last = MultiTaskLosses(aot: 0, mi: 0, mb: 0, kd: 0, total: 0)
        LayerProfiler.enabled = profile
        let train = measure { last = net.trainStep(b, optimizer: adam) }
        if profile { print("training profile:"); LayerProfiler.report().forEach { print($0) }; LayerProfiler.reset() }
        print(String(format: "train loss=%.4f (aot %.4f mi %.4f mb %.4f kd %.4f)", last.total, last.aot, last.mi, last.mb, last.kd))
        let infer = measure { _ = net.forward(sequence: seq, middleInput: mid, training: false, middleIsSequenceWithoutCentre: true) }
        if profile { print("inference profile:"); LayerProfiler.report().forEach { print($0) } }
        print(String(format: "train_objects_per_s=%.2f infer_objects_per_s=%.2f", train, infer))
    }
}

/// Inputs per second of a Darknet network (a `--teacher` classifier or a detector) run one input at a time and in
/// batches (`DarknetRunner.forward(batch:)`, as the teacher runs a frame's objects), measured in the same run.
struct BenchDarknet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darknet",
        abstract: "Benchmark a Darknet network on random inputs: last line is single_inputs_per_s=X batched_inputs_per_s=Y ratio=Z.")

    @Option(help: ArgumentHelp("The network's .cfg.", valueName: "cfg")) var cfg: String
    @Option(help: ArgumentHelp("Its .weights (without: random weights of the same shapes).", valueName: "weights")) var weights: String?
    @Option(help: "Inputs per batch.") var batch: Int = 32
    @Option(help: "Batches timed in each phase (one more runs first, untimed).") var iterations: Int = 5
    @Option(help: "Thread budget given to OpenBLAS (0 = all cores; `score` runs the teacher on one).") var threads: Int = 1
    @Option(help: "Random seed of the inputs (and of the weights when --weights is not given).") var seed: UInt64 = 0
    @Flag(help: "Print the time each layer takes in the batched phase (seconds, share, kernel).") var profile = false

    func validate() throws {
        guard (1...1024).contains(batch) else { throw ValidationError("--batch must be in 1...1024") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        try validateThreadCount(threads)
    }

    func run() throws {
        let plan = Threads.configure(threads: threads, preferBLAS: true)
        let network = try DarknetNetwork.load(cfgPath: cfg)
        // A batch holds every input's live layer outputs at once: keep it under 1 GB of floats.
        let largest = max(network.largestActivationCount, 1)
        guard batch * largest <= 1 << 28 else {
            throw ValidationError("--batch \(batch) needs more than 1 GB for this network (its largest layer output is \(largest) floats); use at most \(max(1, (1 << 28) / largest))")
        }
        var rng = RNG(seed: seed)
        let loaded = try weights.map { try DarknetWeights.load(path: $0, network: network) }
            ?? DarknetWeights.generated(for: network) { _, _, _ in rng.uniform(-0.1, 0.1) }
        let runner = try DarknetRunner(network: network, weights: loaded)
        let inputs = (0..<batch).map { _ in (0..<network.input.count).map { _ in rng.uniform(0, 1) } }
        print("network=\(cfg) input=\(network.input) layers=\(network.layers.count) batched_convolutions=\(runner.batchedConvolutions.count) batch=\(batch) threads=\(plan) blas_core=\(Threads.blasCoreName)")

        func inputsPerSecond(_ body: () throws -> Void) rethrows -> Double {
            try body()  // warm-up
            let start = Date()
            for _ in 0..<iterations { try body() }
            return Double(iterations * batch) / Date().timeIntervalSince(start)
        }
        let single = try inputsPerSecond { for input in inputs { _ = try runner.forward(input) } }
        let together = try inputsPerSecond { _ = try runner.forward(batch: inputs) }
        if profile {
            runner.profiling = true
            for _ in 0..<iterations { _ = try runner.forward(batch: inputs) }
            runner.profiling = false
            let total = runner.secondsByLayer.values.reduce(0, +)
            for layer in network.layers {
                let seconds = runner.secondsByLayer[layer.index] ?? 0
                // The batched phase's kernel: a small-plane convolution runs over the whole batch (dense or im2col).
                let kernel = (batch > 1 ? runner.batchedConvolutionKernels[layer.index] : nil)
                    .map { " \($0), batched" } ?? runner.convolutionKernels[layer.index].map { " \($0)" } ?? ""
                print(String(format: "%3d %@ %8.4f s %5.1f%%  %@ -> %@", layer.index, "\(layer.kind.name)\(kernel)".padding(toLength: 22, withPad: " ", startingAt: 0), seconds,
                             100 * seconds / max(total, 1e-12), "\(layer.input)", "\(layer.output)"))
            }
        }
        // The two paths agree (same sums, rounding aside): checked on the first input.
        let last = network.layers.count - 1
        let alone = try runner.forward(inputs[0])[last] ?? [], inBatch = try runner.forward(batch: inputs)[0][last] ?? []
        let largestDifference = zip(alone, inBatch).map { abs($0 - $1) }.max() ?? 0
        print(String(format: "largest |batched - single| on input 0: %.3g", largestDifference))
        print(String(format: "single_inputs_per_s=%.2f batched_inputs_per_s=%.2f ratio=%.2f", single, together, together / single))
    }
}
