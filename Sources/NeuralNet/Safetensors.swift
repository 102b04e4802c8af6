import AtomicFile
// Checkpoints in the safetensors format:
//   [u64 little-endian header length N][N bytes of JSON header, space padded][raw little-endian tensor data]
// Header: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}
// Offsets are relative to the start of the data section. Only F32 tensors are written and read.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct CheckpointError: Error, CustomStringConvertible, LocalizedError {
    public let path: String
    public let reason: String
    public init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "checkpoint \(path): \(reason)" }
    public var errorDescription: String? { description }
}

public struct NamedTensor {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) { self.name = name; self.shape = shape; self.values = values }
}

public struct SafetensorsFile {
    public var metadata: [String: String]
    public var tensors: [String: NamedTensor]
    public var order: [String]
    public init(metadata: [String: String], tensors: [String: NamedTensor], order: [String]) {
        self.metadata = metadata
        self.tensors = tensors
        self.order = order
    }
}

private func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

public enum Safetensors {
    /// Writes tensors (in the given order) atomically: a temporary file next to `path`, then rename.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        var seen = Set<String>()
        var entries: [String] = []
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(kv.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            guard t.shape.reduce(1, *) == t.values.count else {
                throw CheckpointError(path, "tensor \(t.name) has \(t.values.count) values for shape \(t.shape)")
            }
            guard seen.insert(t.name).inserted, t.name != "__metadata__" else {
                throw CheckpointError(path, "duplicate or reserved tensor name \(t.name)")
            }
            let end = offset + 4 * t.values.count
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for t in tensors {
            t.values.withUnsafeBufferPointer { buf in
                for v in buf {
                    var le = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
                }
            }
        }
        do {
            try writeAtomically(bytes, to: path)
        } catch {
            throw CheckpointError(path, (error as? AtomicWriteError)?.reason ?? "cannot write: \(error)")
        }
    }

    /// Reads and validates a safetensors file. Throws CheckpointError on any malformed input.
    public static func read(_ path: String) throws -> SafetensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CheckpointError(path, "no such file") }
        guard !isDirectory.boolValue else { throw CheckpointError(path, "is a folder, not a checkpoint file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw CheckpointError(path, "cannot read the file") }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> SafetensorsFile {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw CheckpointError(path, "not a safetensors file (shorter than 8 bytes)") }
        var hlen: UInt64 = 0
        for i in 0..<8 { hlen |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard hlen >= 2, hlen <= 100_000_000, Int(hlen) <= bytes.count - 8 else {
            throw CheckpointError(path, "not a safetensors file or truncated (header length \(hlen), file size \(bytes.count))")
        }
        let headerBytes = Data(bytes[8..<(8 + Int(hlen))])
        guard headerBytes.first == UInt8(ascii: "{"),
              let obj = try? JSONSerialization.jsonObject(with: headerBytes),
              let dict = obj as? [String: Any] else {
            throw CheckpointError(path, "not a safetensors file (header is not a JSON object)")
        }
        let dataStart = 8 + Int(hlen)
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        if let md = dict["__metadata__"] {
            guard let m = md as? [String: Any] else { throw CheckpointError(path, "__metadata__ is not a map") }
            for (k, v) in m {
                guard let s = v as? String else { throw CheckpointError(path, "__metadata__ value for \(k) is not a string") }
                metadata[k] = s
            }
        }
        var tensors: [String: NamedTensor] = [:]
        var spans: [(Int, Int, String)] = []
        for (name, value) in dict where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw CheckpointError(path, "entry \(name) is not an object") }
            guard let dtype = info["dtype"] as? String else { throw CheckpointError(path, "tensor \(name) has no dtype") }
            guard dtype == "F32" else { throw CheckpointError(path, "tensor \(name) has dtype \(dtype); only F32 is supported") }
            guard let shapeAny = info["shape"] as? [Any], let offAny = info["data_offsets"] as? [Any], offAny.count == 2 else {
                throw CheckpointError(path, "tensor \(name) has a malformed shape or data_offsets")
            }
            var shape: [Int] = []
            for s in shapeAny {
                guard let n = s as? NSNumber, let v = Int(exactly: n.doubleValue), v >= 0, v < 1 << 40 else {
                    throw CheckpointError(path, "tensor \(name) has an invalid dimension")
                }
                shape.append(v)
            }
            var offs: [Int] = []
            for s in offAny {
                guard let n = s as? NSNumber, let v = Int(exactly: n.doubleValue), v >= 0 else {
                    throw CheckpointError(path, "tensor \(name) has invalid data_offsets")
                }
                offs.append(v)
            }
            var count = 1
            for d in shape {
                let (r, o) = count.multipliedReportingOverflow(by: d)
                guard !o, r < 1 << 40 else { throw CheckpointError(path, "tensor \(name) is too large") }
                count = r
            }
            guard offs[1] >= offs[0], offs[1] - offs[0] == 4 * count else {
                throw CheckpointError(path, "tensor \(name): data_offsets \(offs) do not match shape \(shape)")
            }
            guard offs[1] <= dataSize else {
                throw CheckpointError(path, "truncated: tensor \(name) ends at byte \(offs[1]) of a \(dataSize)-byte data section")
            }
            var values = [Float](repeating: 0, count: count)
            let base = dataStart + offs[0]
            for i in 0..<count {
                let j = base + 4 * i
                let bits = UInt32(bytes[j]) | UInt32(bytes[j + 1]) << 8 | UInt32(bytes[j + 2]) << 16 | UInt32(bytes[j + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            tensors[name] = NamedTensor(name: name, shape: shape, values: values)
            spans.append((offs[0], offs[1], name))
        }
        spans.sort { $0.0 < $1.0 }
        var pos = 0
        for (b, e, name) in spans {
            guard b == pos else { throw CheckpointError(path, "tensor \(name) overlaps another or leaves a gap in the data") }
            pos = e
        }
        guard pos == dataSize else {
            throw CheckpointError(path, "data section has \(dataSize) bytes but tensors cover \(pos) (corrupt or wrong file)")
        }
        return SafetensorsFile(metadata: metadata, tensors: tensors, order: spans.map { $0.2 })
    }

    /// Copies the named tensors of `file` into `targets`, checking that every target exists with the same shape.
    public static func load(_ file: SafetensorsFile, into targets: [(String, Tensor)], path: String) throws {
        for (name, t) in targets {
            guard let src = file.tensors[name] else { throw CheckpointError(path, "missing tensor \(name)") }
            guard src.shape == t.shape else {
                throw CheckpointError(path, "tensor \(name) has shape \(src.shape), expected \(t.shape)")
            }
            // A NaN weight would silently give every object the same score.
            guard src.values.allSatisfy({ $0.isFinite }) else { throw CheckpointError(path, "tensor \(name) holds a NaN or infinite value") }
            if t.count > 0 { src.values.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: t.count) } }
        }
    }
}
