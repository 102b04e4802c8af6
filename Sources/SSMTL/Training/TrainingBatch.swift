/// A training batch for the four tasks, built from examples with two independent seeded coin flips per object.
///
/// sequence: (N, 3, 7, S, S), the consecutive sequence (miLabels[n] == 0) or the irregular one (1), played
/// backwards when aotLabels[n] == 1. One input serves both classification tasks (and distillation), since
/// reversing a sequence does not change whether its steps are regular, and skipping frames does not change
/// which way time runs: one encoder pass per object instead of two.
/// middleInput: (N, 3, 6, S, S), the consecutive sequence without its middle frame; middleTarget: (N, 3, S, S).
/// teacher: (N, teacherWidth), zeros when the examples have none.
/// With `mirror`, a third coin flip per object mirrors all its crops left-right (sequence, middle-box input and
/// target alike), so walking left and walking right are equally normal and the arrow-of-time head cannot tell
/// forwards from backwards by the direction people usually walk in at that place. The third flip is drawn only
/// when mirroring is on (`train --no-mirror` turns it off, for scenes where direction itself is the normal pattern).
public struct TrainingBatch {
    public var count: Int
    public var side: Int
    public var sequence: [Float]
    public var aotLabels: [Int]
    public var miLabels: [Int]
    public var middleInput: [Float]
    public var middleTarget: [Float]
    public var teacher: [Float]
    public var teacherWidth: Int

    public init<R: RandomNumberGenerator>(examples: [TrainingExample], side: Int, teacherWidth: Int, mirror: Bool = false,
                                          rng: inout R) {
        let n = examples.count, plane = side * side, t = 7
        count = n
        self.side = side
        self.teacherWidth = teacherWidth
        sequence = [Float](repeating: 0, count: n * 3 * t * plane)
        middleInput = [Float](repeating: 0, count: n * 3 * (t - 1) * plane)
        middleTarget = [Float](repeating: 0, count: n * 3 * plane)
        teacher = [Float](repeating: 0, count: n * teacherWidth)
        aotLabels = []
        miLabels = []
        let scale: Float = 1.0 / 255.0
        for (i, example) in examples.enumerated() {
            let reversed = Bool.random(using: &rng), irregular = Bool.random(using: &rng)
            let mirrored = mirror && Bool.random(using: &rng)
            // Source pixel of destination pixel p: the same one, or the one at the other end of its row.
            @inline(__always) func source(_ p: Int) -> Int { mirrored ? p - p % side + (side - 1 - p % side) : p }
            aotLabels.append(reversed ? 1 : 0)
            miLabels.append(irregular ? 1 : 0)
            let base = irregular ? example.irregular : example.consecutive
            for c in 0..<3 {
                for step in 0..<t {
                    let src = (c * t + step) * plane
                    let dst = ((i * 3 + c) * t + (reversed ? t - 1 - step : step)) * plane
                    for p in 0..<plane { sequence[dst + p] = Float(base[src + source(p)]) * scale }
                    if step == t / 2 {
                        let dst = (i * 3 + c) * plane
                        for p in 0..<plane { middleTarget[dst + p] = Float(example.consecutive[src + source(p)]) * scale }
                    } else {
                        let dst = ((i * 3 + c) * (t - 1) + (step < t / 2 ? step : step - 1)) * plane
                        for p in 0..<plane { middleInput[dst + p] = Float(example.consecutive[src + source(p)]) * scale }
                    }
                }
            }
            for (k, value) in example.teacher.prefix(teacherWidth).enumerated() { teacher[i * teacherWidth + k] = value }
        }
    }
}
