import Evaluation
import Foundation
import VideoIO

/// Writes NumPy .npy files (format 1.0, little-endian, C order): the ground-truth layout of ShanghaiTech.
enum NPYWriter {
    static func write(int64 values: [Int64], to path: String) throws {
        var body = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { body.append(contentsOf: $0) } }
        try writeFileAtomically(NpyFile.data(descr: "<i8", shape: [values.count], body: body), to: path)
    }

    static func write(uint8 values: [UInt8], shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count)
        try writeFileAtomically(NpyFile.data(descr: "|u1", shape: shape, body: Data(values)), to: path)
    }
}
