/// A training batch for the four tasks, built from examples with seeded coin flips.
///
/// aotInput: (N, 3, 7, S, S), the consecutive sequence, reversed in time when aotLabels[n] == 1.
/// miInput: (N, 3, 7, S, S), the consecutive sequence (label 0) or the irregular one (label 1).
/// middleInput: (N, 3, 6, S, S), the consecutive sequence without its middle frame; middleTarget: (N, 3, S, S).
/// teacher: (N, teacherWidth), zeros when the examples have none.
public struct TrainingBatch {
    public var count: Int
    public var side: Int
    public var aotInput: [Float]
    public var aotLabels: [Int]
    public var miInput: [Float]
    public var miLabels: [Int]
    public var middleInput: [Float]
    public var middleTarget: [Float]
    public var teacher: [Float]
    public var teacherWidth: Int

    public init<R: RandomNumberGenerator>(examples: [TrainingExample], side: Int, teacherWidth: Int, rng: inout R) {
        let n = examples.count, plane = side * side, t = 7
        count = n
        self.side = side
        self.teacherWidth = teacherWidth
        aotInput = [Float](repeating: 0, count: n * 3 * t * plane)
        miInput = aotInput
        middleInput = [Float](repeating: 0, count: n * 3 * (t - 1) * plane)
        middleTarget = [Float](repeating: 0, count: n * 3 * plane)
        teacher = [Float](repeating: 0, count: n * teacherWidth)
        aotLabels = []
        miLabels = []
        let scale: Float = 1.0 / 255.0
        for (i, example) in examples.enumerated() {
            let reversed = Bool.random(using: &rng), irregular = Bool.random(using: &rng)
            aotLabels.append(reversed ? 1 : 0)
            miLabels.append(irregular ? 1 : 0)
            let mi = irregular ? example.irregular : example.consecutive
            for c in 0..<3 {
                for step in 0..<t {
                    let src = (c * t + step) * plane
                    let aotStep = reversed ? t - 1 - step : step
                    let aotDst = ((i * 3 + c) * t + aotStep) * plane
                    let miDst = ((i * 3 + c) * t + step) * plane
                    for p in 0..<plane {
                        aotInput[aotDst + p] = Float(example.consecutive[src + p]) * scale
                        miInput[miDst + p] = Float(mi[src + p]) * scale
                    }
                    if step == t / 2 {
                        let dst = (i * 3 + c) * plane
                        for p in 0..<plane { middleTarget[dst + p] = Float(example.consecutive[src + p]) * scale }
                    } else {
                        let dst = ((i * 3 + c) * (t - 1) + (step < t / 2 ? step : step - 1)) * plane
                        for p in 0..<plane { middleInput[dst + p] = Float(example.consecutive[src + p]) * scale }
                    }
                }
            }
            for (k, value) in example.teacher.prefix(teacherWidth).enumerated() { teacher[i * teacherWidth + k] = value }
        }
    }
}
