import Foundation
import VideoIO

/// Writes NumPy .npy files (format 1.0, little-endian, C order): the ground-truth layout of ShanghaiTech.
enum NPYWriter {
    static func write(int64 values: [Int64], to path: String) throws {
        var body = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { body.append(contentsOf: $0) } }
        try write(descr: "<i8", shape: [values.count], body: body, to: path)
    }

    static func write(uint8 values: [UInt8], shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count)
        try write(descr: "|u1", shape: shape, body: Data(values), to: path)
    }

    private static func write(descr: String, shape: [Int], body: Data, to path: String) throws {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(body)
        try writeFileAtomically(data, to: path)
    }
}
