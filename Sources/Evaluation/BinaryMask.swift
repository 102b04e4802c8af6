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

    public var isEmpty: Bool { !pixels.contains { $0 != 0 } }
}
