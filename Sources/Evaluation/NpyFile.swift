import Foundation

/// A NumPy `.npy` array (format versions 1, 2 and 3) of bool, signed or unsigned integers or floats,
/// either byte order, C or Fortran order. The data stays as stored; accessors convert on the fly.
public struct NpyArray: Sendable {
    public enum Kind: Sendable { case bool, signed, unsigned, float }
    public var shape: [Int]
    public var kind: Kind
    public var itemSize: Int
    public var bigEndian: Bool
    public var fortranOrder: Bool
    public var data: ArraySlice<UInt8>

    public var count: Int { shape.reduce(1, *) }

    /// Element `i` in storage order, as Double.
    @inline(__always)
    public func storedValue(_ i: Int) -> Double {
        let base = data.startIndex + i * itemSize
        var bits: UInt64 = 0
        for k in 0..<itemSize {
            bits = bits << 8 | UInt64(data[base + (bigEndian ? k : itemSize - 1 - k)])
        }
        switch kind {
        case .bool: return bits != 0 ? 1 : 0
        case .unsigned: return Double(bits)
        case .signed:
            let shift = UInt64(64 - 8 * itemSize)
            return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
        case .float:
            switch itemSize {
            case 2: return Double(Float(Float16(bitPattern: UInt16(bits))))
            case 4: return Double(Float(bitPattern: UInt32(bits)))
            default: return Double(bitPattern: bits)
            }
        }
    }

    /// Storage position of a row-major (C order) flat index.
    public func storageIndex(ofRowMajor index: Int) -> Int {
        guard fortranOrder, shape.count > 1 else { return index }
        var rest = index, position = 0, stride = 1
        var coords = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() { coords[d] = rest % shape[d]; rest /= shape[d] }
        for d in shape.indices { position += coords[d] * stride; stride *= shape[d] }
        return position
    }

    /// All elements in row-major (C) order, as Double.
    public func rowMajorValues() -> [Double] {
        (0..<count).map { storedValue(storageIndex(ofRowMajor: $0)) }
    }

    /// Frame `t` of a T x H x W array as a row-major mask (non-zero -> 1).
    public func mask(frame t: Int) -> BinaryMask {
        precondition(shape.count == 3)
        let h = shape[1], w = shape[2]
        var pixels = [UInt8](repeating: 0, count: h * w)
        if !fortranOrder && itemSize == 1 {
            data.withUnsafeBufferPointer { src in
                let base = t * h * w
                for i in 0..<(h * w) where src[base + i] != 0 { pixels[i] = 1 }
            }
        } else {
            let T = shape[0]
            for y in 0..<h {
                for x in 0..<w {
                    let s = fortranOrder ? t + T * (y + h * x) : (t * h + y) * w + x
                    if storedValue(s) != 0 { pixels[y * w + x] = 1 }
                }
            }
        }
        return BinaryMask(width: w, height: h, pixels: pixels)
    }
}

public enum NpyFile {
    /// A one-dimensional little-endian float32 array (`score --npy`).
    ///     values: [n] -> an .npy file of shape (n,)
    public static func float32Vector(_ values: [Float]) -> Data {
        var body = Data(capacity: 4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        return data(descr: "<f4", shape: [values.count], body: body)
    }

    /// An array in format version 1.0, C order, laid out as NumPy's `np.save` writes it: the header dictionary padded
    /// with spaces and a newline so that the data starts at a multiple of 64 bytes. `body` holds the values in
    /// `descr`'s type and byte order.
    public static func data(descr: String, shape: [Int], body: Data) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(body)
        return data
    }

    public static func read(path: String) throws -> NpyArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        return try parse([UInt8](data), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> NpyArray {
        func corrupt(_ what: String) -> EvaluationError { EvaluationError(path, "corrupt .npy file: \(what)") }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw corrupt("no NUMPY magic string") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw corrupt("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw corrupt("unsupported format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw corrupt("truncated header") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw corrupt("unreadable header")
        }
        guard let descr = quotedValue(of: "descr", in: header) else { throw corrupt("header has no 'descr'") }
        guard let fortran = rawValue(of: "fortran_order", in: header) else { throw corrupt("header has no 'fortran_order'") }
        guard let shapeText = rawValue(of: "shape", in: header), shapeText.hasPrefix("(") else { throw corrupt("header has no 'shape'") }
        var shape: [Int] = []
        for part in shapeText.dropFirst().prefix(while: { $0 != ")" }).split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let n = Int(t), n >= 0 else { throw corrupt("bad shape \(shapeText)") }
            shape.append(n)
        }
        var d = Substring(descr)
        var big = false
        if let first = d.first, "<>|=".contains(first) { big = first == ">"; d = d.dropFirst() }
        guard let code = d.first, let size = Int(d.dropFirst()) else { throw corrupt("unsupported dtype '\(descr)'") }
        let kind: NpyArray.Kind
        switch (code, size) {
        case ("b", 1): kind = .bool
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("f", 2), ("f", 4), ("f", 8): kind = .float
        default: throw EvaluationError(path, "unsupported .npy dtype '\(descr)' (bool, int, uint and float are supported)")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= bytes.count else { throw corrupt("shape \(shape) does not fit the file") }
            count = product
        }
        let start = headerStart + headerLength
        guard bytes.count - start == count * size else {
            throw corrupt("data holds \(bytes.count - start) bytes, shape \(shape) of '\(descr)' needs \(count * size)")
        }
        return NpyArray(shape: shape, kind: kind, itemSize: size, bigEndian: big, fortranOrder: fortran.hasPrefix("True"),
                        data: bytes[start...])
    }

    /// The text after `'key':` up to the next comma at depth 0 (or the closing brace).
    private static func rawValue(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        var depth = 0, end = rest.startIndex
        while end < rest.endIndex {
            let c = rest[end]
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 } else if (c == "," || c == "}") && depth == 0 { break }
            end = rest.index(after: end)
        }
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    private static func quotedValue(of key: String, in header: String) -> String? {
        guard let raw = rawValue(of: key, in: header), raw.count >= 2 else { return nil }
        return String(raw.dropFirst().dropLast())
    }
}
