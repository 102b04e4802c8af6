import Foundation

/// A reader for what the ground truth needs from MATLAB level 5 MAT-files: numeric and logical arrays,
/// cell arrays of them, and `miCOMPRESSED` (zlib) elements. Arrays keep MATLAB's column-major order;
/// `MatArray.rowMajor2D` converts 2-D arrays to row-major.
public enum MatValue: Sendable {
    case numeric(MatArray)
    case cell(dimensions: [Int], elements: [MatValue])
    /// Structs, sparse arrays, objects, strings of other classes: not needed, skipped.
    case unsupported(classID: Int)
}

/// A numeric MATLAB array: the stored bytes of its real part and their type.
public struct MatArray: Sendable {
    public enum ElementType: Int, Sendable {
        case int8 = 1, uint8 = 2, int16 = 3, uint16 = 4, int32 = 5, uint32 = 6, single = 7, double = 9, int64 = 12, uint64 = 13
        var size: Int {
            switch self {
            case .int8, .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .single: return 4
            case .double, .int64, .uint64: return 8
            }
        }
    }
    public var dimensions: [Int]
    public var type: ElementType
    public var bigEndian: Bool
    /// The raw real-part bytes (a slice of the decoded file, not a copy).
    public var bytes: ArraySlice<UInt8>

    public var count: Int { dimensions.reduce(1, *) }

    /// Element `i` in storage (column-major) order, as Double.
    public func value(at i: Int) -> Double {
        let base = bytes.startIndex + i * type.size
        var bits: UInt64 = 0
        for k in 0..<type.size {
            let byte = UInt64(bytes[base + (bigEndian ? k : type.size - 1 - k)])
            bits = bits << 8 | byte
        }
        switch type {
        case .int8: return Double(Int8(truncatingIfNeeded: bits))
        case .uint8: return Double(UInt8(truncatingIfNeeded: bits))
        case .int16: return Double(Int16(truncatingIfNeeded: bits))
        case .uint16: return Double(UInt16(truncatingIfNeeded: bits))
        case .int32: return Double(Int32(truncatingIfNeeded: bits))
        case .uint32: return Double(UInt32(truncatingIfNeeded: bits))
        case .int64: return Double(Int64(bitPattern: bits))
        case .uint64: return Double(bits)
        case .single: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .double: return Double(bitPattern: bits)
        }
    }

    /// True when any element is non-zero (fast path on the bytes for integer types).
    public var hasNonZero: Bool {
        switch type {
        case .single, .double: return (0..<count).contains { value(at: $0) != 0 }
        default:
            return bytes.withUnsafeBytes(anyNonZero)
        }
    }

    /// A 2-D array as a row-major mask (non-zero -> 1); nil when the array is not 2-D.
    public func rowMajorMask() -> BinaryMask? {
        guard dimensions.count == 2 else { return nil }
        let rows = dimensions[0], cols = dimensions[1]
        var pixels = [UInt8](repeating: 0, count: rows * cols)
        if type == .uint8 || type == .int8 {
            bytes.withUnsafeBufferPointer { src in
                for c in 0..<cols { for r in 0..<rows where src[c * rows + r] != 0 { pixels[r * cols + c] = 1 } }
            }
        } else {
            for c in 0..<cols { for r in 0..<rows where value(at: c * rows + r) != 0 { pixels[r * cols + c] = 1 } }
        }
        return BinaryMask(width: cols, height: rows, pixels: pixels)
    }
}

public enum MatFile {
    /// Reads every top-level variable of a MAT v5 file.
    public static func read(path: String) throws -> [String: MatValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        return try parse([UInt8](data), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> [String: MatValue] {
        guard bytes.count >= 128 else { throw EvaluationError(path, "corrupt MAT-file: shorter than its 128-byte header") }
        let endian = (bytes[126], bytes[127])
        let big: Bool
        if endian == (UInt8(ascii: "I"), UInt8(ascii: "M")) { big = false }
        else if endian == (UInt8(ascii: "M"), UInt8(ascii: "I")) { big = true }
        else { throw EvaluationError(path, "not a MAT v5 file (no endian indicator; v7.3/HDF5 and v4 files are not supported)") }
        var reader = MatReader(bytes: bytes[...], big: big, path: path)
        reader.position = 128
        var variables: [String: MatValue] = [:]
        while reader.position < bytes.count {
            if bytes.count - reader.position < 8 { break }  // trailing padding
            if let (name, value) = try reader.readTopLevel() { variables[name] = value }
        }
        return variables
    }
}

private let miINT8 = 1, miUINT32 = 6, miINT32 = 5, miMATRIX = 14, miCOMPRESSED = 15, miUTF8 = 16

struct MatReader {
    var bytes: ArraySlice<UInt8>
    let big: Bool
    let path: String
    var position: Int
    /// How deep in cell arrays this matrix lies (0 at the top level).
    var depth = 0
    /// Ground truth needs one level (a cell of masks); the bound keeps a crafted file from exhausting the stack.
    static let maximumCellDepth = 64

    init(bytes: ArraySlice<UInt8>, big: Bool, path: String) {
        self.bytes = bytes
        self.big = big
        self.path = path
        position = bytes.startIndex
    }

    func corrupt(_ what: String) -> EvaluationError { EvaluationError(path, "corrupt MAT-file: \(what)") }

    func uint32(at p: Int) throws -> Int {
        guard p >= bytes.startIndex, p + 4 <= bytes.endIndex else { throw corrupt("unexpected end of data") }
        let b = (UInt32(bytes[p]), UInt32(bytes[p + 1]), UInt32(bytes[p + 2]), UInt32(bytes[p + 3]))
        return Int(big ? b.0 << 24 | b.1 << 16 | b.2 << 8 | b.3 : b.3 << 24 | b.2 << 16 | b.1 << 8 | b.0)
    }

    /// Reads a tag: (type, byte count, start of data, position after the element including padding).
    mutating func readElement() throws -> (type: Int, data: ArraySlice<UInt8>) {
        let first = try uint32(at: position)
        let smallCount = first >> 16
        if smallCount != 0 {
            // Small data element: type and count packed in 4 bytes, data in the next 4.
            let type = first & 0xFFFF
            guard smallCount <= 4 else { throw corrupt("bad small element") }
            let start = position + 4
            guard start + 4 <= bytes.endIndex else { throw corrupt("unexpected end of data") }
            position += 8
            return (type, bytes[start..<(start + smallCount)])
        }
        let count = try uint32(at: position + 4)
        let start = position + 8
        guard count >= 0, start + count <= bytes.endIndex else { throw corrupt("element of \(count) bytes runs past the end of the data") }
        let type = first
        // Compressed elements are not padded; others are padded to a multiple of 8 bytes.
        position = type == miCOMPRESSED ? start + count : start + (count + 7) / 8 * 8
        position = min(position, bytes.endIndex)
        return (type, bytes[start..<(start + count)])
    }

    mutating func readTopLevel() throws -> (String, MatValue)? {
        let (type, data) = try readElement()
        switch type {
        case miCOMPRESSED:
            let big = self.big
            let inflated = try zlibInflate(data, path: path) { head in
                // The inner element's tag gives its size: type (4 bytes), byte count (4 bytes).
                guard head.count == 8 else { return nil }
                let n = big ? head[4...7].reduce(0) { $0 << 8 | Int($1) } : head[4...7].reversed().reduce(0) { $0 << 8 | Int($1) }
                return n < (1 << 40) ? n : nil
            }
            var inner = MatReader(bytes: inflated[...], big: big, path: path)
            let (innerType, innerData) = try inner.readElement()
            guard innerType == miMATRIX else { return nil }
            var matrix = MatReader(bytes: innerData, big: big, path: path)
            return try matrix.readMatrix()
        case miMATRIX:
            var matrix = MatReader(bytes: data, big: big, path: path)
            return try matrix.readMatrix()
        default:
            return nil
        }
    }

    /// Parses the contents of a miMATRIX element (this reader spans exactly those bytes).
    mutating func readMatrix() throws -> (String, MatValue) {
        if bytes.isEmpty { return ("", .cell(dimensions: [0, 0], elements: [])) }  // empty cell entry
        let (flagsType, flags) = try readElement()
        guard flagsType == miUINT32, flags.count >= 8 else { throw corrupt("matrix without array flags") }
        let classID = try uint32(at: flags.startIndex) & 0xFF
        let (dimType, dimData) = try readElement()
        guard dimType == miINT32, dimData.count % 4 == 0, !dimData.isEmpty else { throw corrupt("matrix without dimensions") }
        var dimensions: [Int] = []
        for k in stride(from: dimData.startIndex, to: dimData.endIndex, by: 4) {
            let d = Int(Int32(truncatingIfNeeded: try uint32(at: k)))
            guard d >= 0 else { throw corrupt("negative dimension") }
            dimensions.append(d)
        }
        let (nameType, nameData) = try readElement()
        guard nameType == miINT8 || nameType == miUTF8 else { throw corrupt("matrix without a name") }
        let name = String(decoding: nameData, as: UTF8.self)
        let count = dimensions.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= bytes.count * 8 + 64 else { throw corrupt("dimensions \(dimensions) do not fit the data") }
        switch classID {
        case 1:  // mxCELL_CLASS
            var elements: [MatValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                let (type, data) = try readElement()
                guard type == miMATRIX else { throw corrupt("cell element is not a matrix") }
                var sub = MatReader(bytes: data, big: big, path: path)
                sub.depth = depth + 1
                guard sub.depth <= MatReader.maximumCellDepth else { throw corrupt("cells nested more than \(MatReader.maximumCellDepth) deep") }
                elements.append(try sub.readMatrix().1)
            }
            return (name, .cell(dimensions: dimensions, elements: elements))
        case 4...15:  // char, sparse(5) handled below; numeric classes 6...15
            guard classID != 5, classID != 4 else { return (name, .unsupported(classID: classID)) }
            let (type, data) = try readElement()
            guard let elementType = MatArray.ElementType(rawValue: type) else { throw corrupt("unknown numeric data type \(type)") }
            guard data.count == count * elementType.size else {
                throw corrupt("array data holds \(data.count) bytes, dimensions \(dimensions) need \(count * elementType.size)")
            }
            return (name, .numeric(MatArray(dimensions: dimensions, type: elementType, bigEndian: big, bytes: data)))
        default:
            return (name, .unsupported(classID: classID))
        }
    }
}
