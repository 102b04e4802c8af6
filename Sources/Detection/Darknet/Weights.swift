import Foundation

/// The parameters of one layer, as stored in a .weights file.
/// Convolutional: biases[n], then with BN scales/mean/variance[n], then weights[n][c/groups][k][k] (OIHW).
/// Connected: biases[n], weights[n][inputs], then with BN scales/mean/variance[n].
public struct LayerWeights: Sendable, Equatable {
    public var biases: [Float] = []
    public var scales: [Float] = []
    public var rollingMean: [Float] = []
    public var rollingVariance: [Float] = []
    public var weights: [Float] = []
}

/// `.weights` header: major, minor, revision (int32), then `seen` (int64 when major*10+minor >= 2, else int32).
public struct WeightsHeader: Sendable, Equatable {
    public var major: Int32 = 0, minor: Int32 = 2, revision: Int32 = 0
    public var seen: UInt64 = 0
    public init(major: Int32 = 0, minor: Int32 = 2, revision: Int32 = 0, seen: UInt64 = 0) {
        self.major = major; self.minor = minor; self.revision = revision; self.seen = seen
    }
    var seenIs64Bit: Bool { Int(major) * 10 + Int(minor) >= 2 }
    var byteCount: Int { 12 + (seenIs64Bit ? 8 : 4) }
}

public struct DarknetWeights: Sendable {
    public var header: WeightsHeader
    /// One entry per network layer (empty for layers without parameters).
    public var layers: [LayerWeights]

    /// Reads a .weights file for `network`; its size must match the cfg exactly.
    public static func load(path: String, network: DarknetNetwork) throws -> DarknetWeights {
        guard let data = FileManager.default.contents(atPath: path) else { throw DarknetError(path, "cannot read the file") }
        return try decode(data, network: network, file: path)
    }

    /// `fileParameterCount`: the file holds the weights of a larger network, this many floats, whose first layers
    /// `network` repeats (a feature extractor cut from a detector); the first `network.parameterCount` floats are read.
    /// Without it the file must hold exactly the network's.
    public static func decode(_ data: Data, network: DarknetNetwork, file: String = "<weights>",
                              fileParameterCount: Int? = nil) throws -> DarknetWeights {
        guard data.count >= 16 else { throw DarknetError(file, "too short for a .weights header (\(data.count) bytes)") }
        let bytes = [UInt8](data)
        func int32(_ at: Int) -> Int32 {
            Int32(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        }
        var header = WeightsHeader(major: int32(0), minor: int32(4), revision: int32(8))
        guard header.major >= 0, header.minor >= 0 else { throw DarknetError(file, "bad header: version \(header.major).\(header.minor)") }
        if header.seenIs64Bit {
            guard data.count >= 20 else { throw DarknetError(file, "too short for a .weights header (\(data.count) bytes)") }
            header.seen = UInt64(UInt32(bitPattern: int32(12))) | UInt64(UInt32(bitPattern: int32(16))) << 32
        } else {
            header.seen = UInt64(UInt32(bitPattern: int32(12)))
        }
        let expected = fileParameterCount ?? network.parameterCount
        let payload = data.count - header.byteCount
        guard payload % 4 == 0 else {
            throw DarknetError(file, "size \(data.count) bytes is not a header plus whole floats (\(payload % 4) stray bytes)")
        }
        let found = payload / 4
        let needs = fileParameterCount == nil ? "the cfg needs" : "the network it should come from has"
        if found < expected {
            throw DarknetError(file, "too short for \(network.file): \(found) floats after the header, \(needs) \(expected) (\(expected - found) missing)")
        }
        if found > expected {
            throw DarknetError(file, "too long for \(network.file): \(found) floats after the header, \(needs) \(expected) (\(found - expected) extra)")
        }
        guard network.parameterCount <= found else {
            throw DarknetError(file, "\(network.file) needs \(network.parameterCount) floats, more than the \(found) of the file")
        }
        let used = network.parameterCount
        var floats = [Float](repeating: 0, count: used)
        floats.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[header.byteCount..<(header.byteCount + 4 * used)]))
            }
        }
        #if _endian(big)
        floats = floats.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        var offset = 0
        func take(_ n: Int) -> [Float] {
            defer { offset += n }
            return Array(floats[offset..<offset + n])
        }
        var layers: [LayerWeights] = []
        for layer in network.layers {
            var w = LayerWeights()
            switch layer.kind {
            case let .convolutional(spec):
                let n = spec.filters
                w.biases = take(n)
                if spec.batchNormalize { w.scales = take(n); w.rollingMean = take(n); w.rollingVariance = take(n) }
                w.weights = take(n * (layer.input.c / spec.groups) * spec.size * spec.size)
            case let .connected(spec):
                let n = spec.outputs
                w.biases = take(n)
                w.weights = take(n * layer.input.count)
                if spec.batchNormalize { w.scales = take(n); w.rollingMean = take(n); w.rollingVariance = take(n) }
            default: break
            }
            layers.append(w)
        }
        return DarknetWeights(header: header, layers: layers)
    }

    /// The bytes of a .weights file in darknet's layout (20-byte header for version 0.2).
    public func encode(network: DarknetNetwork) throws -> Data {
        guard layers.count == network.layers.count else {
            throw DarknetError(network.file, "weights for \(layers.count) layers, the network has \(network.layers.count)")
        }
        var floats: [Float] = []
        floats.reserveCapacity(network.parameterCount)
        for (layer, w) in zip(network.layers, layers) {
            let count = network.parameterCount(of: layer)
            let parts: [[Float]]
            if case .connected = layer.kind {
                parts = [w.biases, w.weights, w.scales, w.rollingMean, w.rollingVariance]
            } else {
                parts = [w.biases, w.scales, w.rollingMean, w.rollingVariance, w.weights]
            }
            let total = parts.reduce(0) { $0 + $1.count }
            guard total == count else {
                throw DarknetError(network.file, "layer \(layer.index) has \(total) parameters, the cfg needs \(count)")
            }
            for part in parts { floats.append(contentsOf: part) }
        }
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(header.major); append(header.minor); append(header.revision)
        if header.seenIs64Bit { append(header.seen) } else { append(UInt32(truncatingIfNeeded: header.seen)) }
        for f in floats { append(f.bitPattern) }
        return data
    }

    public func write(to path: String, network: DarknetNetwork) throws {
        try encode(network: network).write(to: URL(fileURLWithPath: path))
    }

    /// Weights of the right sizes for `network` filled by `value(layer, slot, index)` (tests and fixtures).
    public static func generated(for network: DarknetNetwork, _ value: (Int, Int, Int) -> Float) -> DarknetWeights {
        var layers: [LayerWeights] = []
        for layer in network.layers {
            var w = LayerWeights()
            func fill(_ n: Int, _ slot: Int) -> [Float] { (0..<n).map { value(layer.index, slot, $0) } }
            switch layer.kind {
            case let .convolutional(spec):
                let n = spec.filters
                w.biases = fill(n, 0)
                if spec.batchNormalize { w.scales = fill(n, 1); w.rollingMean = fill(n, 2); w.rollingVariance = fill(n, 3).map { abs($0) + 0.5 } }
                w.weights = fill(n * (layer.input.c / spec.groups) * spec.size * spec.size, 4)
            case let .connected(spec):
                let n = spec.outputs
                w.biases = fill(n, 0)
                w.weights = fill(n * layer.input.count, 4)
                if spec.batchNormalize { w.scales = fill(n, 1); w.rollingMean = fill(n, 2); w.rollingVariance = fill(n, 3).map { abs($0) + 0.5 } }
            default: break
            }
            layers.append(w)
        }
        return DarknetWeights(header: WeightsHeader(), layers: layers)
    }
}
