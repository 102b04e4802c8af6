import XCTest
@testable import NeuralNet

/// The moving average of the weights: its warm-up factors, the average worked by hand, and the swap.
final class WeightAverageTests: XCTestCase {
    func testWarmUpFactorsThenTheDecay() {
        XCTAssertEqual(WeightAverage.factor(decay: 0.999, update: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(WeightAverage.factor(decay: 0.999, update: 1), 2.0 / 11, accuracy: 1e-7)
        XCTAssertEqual(WeightAverage.factor(decay: 0.999, update: 90), 91.0 / 100, accuracy: 1e-7)
        // (1 + t)/(10 + t) reaches 0.999 at t = 8990; from there the decay holds.
        XCTAssertEqual(WeightAverage.factor(decay: 0.999, update: 8990), 0.999, accuracy: 1e-7)
        XCTAssertEqual(WeightAverage.factor(decay: 0.999, update: 100_000), 0.999)
        XCTAssertEqual(WeightAverage.factor(decay: 0.5, update: 2), 0.25, accuracy: 1e-7)
        XCTAssertEqual(WeightAverage.factor(decay: 0.5, update: 20), 0.5)
    }

    /// Four updates of a two-element tensor with decay 0.3 (the warm-up gives 0.1, 2/11 and 0.25, then the decay
    /// caps 4/13): s1 = 0.1·s0 + 0.9·w1, s2 = 2/11·s1 + 9/11·w2, s3 = 0.25·s2 + 0.75·w3, s4 = 0.3·s3 + 0.7·w4.
    func testAverageWorkedByHand() {
        let live = Tensor(shape: [2], values: [1, -2])
        let average = WeightAverage(decay: 0.3, tracking: [("w", live)])
        XCTAssertEqual(average.shadow[0].array, [1, -2], "starts at the current values")
        let steps: [[Float]] = [[3, 0], [5, 4], [-1, 2], [2, 2]]
        var expected: [Double] = [1, -2]
        for (t, values) in steps.enumerated() {
            values.withUnsafeBufferPointer { live.data.update(from: $0.baseAddress!, count: 2) }
            average.update()
            let d = [0.1, 2.0 / 11, 0.25, 0.3][t]
            expected = zip(expected, values).map { d * $0 + (1 - d) * Double($1) }
        }
        XCTAssertEqual(average.updates, 4)
        for (a, e) in zip(average.shadow[0].array, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-6) }
        XCTAssertEqual(live.array, [2, 2], "updating never touches the live values")
    }

    func testSwapExchangesLiveAndAveragedValuesAndTwiceRestores() {
        let a = Tensor(shape: [3], values: [1, 2, 3]), b = Tensor(shape: [1, 2], values: [7, 8])
        let average = WeightAverage(decay: 0.9, tracking: [("a", a), ("b", b)])
        [Float](arrayLiteral: 4, 5, 6).withUnsafeBufferPointer { a.data.update(from: $0.baseAddress!, count: 3) }
        average.swap()
        XCTAssertEqual(a.array, [1, 2, 3])
        XCTAssertEqual(average.shadow[0].array, [4, 5, 6])
        XCTAssertEqual(b.array, [7, 8])
        average.swap()
        XCTAssertEqual(a.array, [4, 5, 6])
        XCTAssertEqual(average.shadow[0].array, [1, 2, 3])
        XCTAssertEqual(average.namedShadow(prefix: "ema").map(\.0), ["ema.a", "ema.b"])
    }
}
