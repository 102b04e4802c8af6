/// A 2-D ground-truth mask, row-major, top row first: non-zero = anomalous pixel.
public struct BinaryMask: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "mask buffer does not match its size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public var isEmpty: Bool { !pixels.withUnsafeBytes(anyNonZero) }
}

/// True when any byte is non-zero (word at a time).
func anyNonZero(_ raw: UnsafeRawBufferPointer) -> Bool {
    let words = raw.count / 8
    var acc: UInt64 = 0
    for i in 0..<words { acc |= raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
    for i in (words * 8)..<raw.count { acc |= UInt64(raw[i]) }
    return acc != 0
}
