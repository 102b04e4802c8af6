// Tensor: a shaped, contiguous Float32 buffer (row-major, batch outermost: NCDHW / NCHW / NC).
// Kernels take raw pointers (llm.c style); Tensor only owns memory and remembers the shape.

public final class Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public private(set) var count: Int
    public private(set) var data: UnsafeMutablePointer<Float>
    private var capacity: Int

    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.capacity = max(count, 1)
        self.data = .allocate(capacity: capacity)
        data.initialize(repeating: 0, count: capacity)
    }

    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "expected \(count) values for shape \(shape), got \(values.count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { data.deallocate() }

    /// Changes the shape, reallocating only when the buffer must grow. Contents are unspecified afterwards.
    public func reshape(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        if n > capacity {
            data.deallocate()
            capacity = n
            data = .allocate(capacity: n)
            data.initialize(repeating: 0, count: n)
        }
        shape = newShape
        count = n
    }

    public func zero() { data.update(repeating: 0, count: count) }
    public func fill(_ v: Float) { data.update(repeating: v, count: count) }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy: size mismatch \(other.shape) vs \(shape)")
        data.update(from: other.data, count: count)
    }
}

/// A trainable tensor with its gradient (zeroed once per step, accumulated by backward passes).
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor
    public init(name: String, shape: [Int]) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.grad = Tensor(shape: shape)
    }
}

/// Returns a tensor reused across calls: reallocated only when it must grow.
@inline(__always)
func ensure(_ t: inout Tensor?, _ shape: [Int]) -> Tensor {
    if let t { t.reshape(shape); return t }
    let n = Tensor(shape: shape)
    t = n
    return n
}
