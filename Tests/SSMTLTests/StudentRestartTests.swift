import XCTest
import NeuralNet
@testable import SSMTL

/// `MultiTaskModel.restartStudent` (`train --retrain-student`): the student goes back to the weights a new model of
/// the seed draws, its optimiser forgets every step, and the main network is left alone.
final class StudentRestartTests: XCTestCase {
    private func config() -> NetworkConfig {
        var config = NetworkConfig(variant: .shallowNarrow)
        config.encoderPlan = [2, 0, 2, 0]; config.cropSize = 8
        return config
    }

    private func values(_ model: MultiTaskModel, student: Bool) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.net.stateDict.filter { $0.0.hasPrefix("student.") == student }.map { ($0.0, $0.1.array) })
    }

    func testRestartPutsBackTheSeedsInitialStudentAndClearsItsOptimiser() {
        let model = MultiTaskModel(config: config(), teacherWidth: 0, learningRate: 1e-2, seed: 7)
        let initialStudent = values(model, student: true)
        XCTAssertFalse(initialStudent.isEmpty)
        // Train the student a few steps (its BN statistics move too) and change a main weight by hand.
        var rng = RNG(seed: 3)
        let middle = Tensor(shape: [2, 3, 6, 8, 8], values: (0..<(2 * 3 * 6 * 64)).map { _ in rng.uniform(-1, 1) })
        for _ in 0..<3 {
            zeroGrad(model.net.studentParameters)
            _ = model.net.studentTrainStep(middleInput: middle)
            model.studentOptimizer.update()
        }
        model.studentTrained = true
        model.net.parameters[0].value.data[0] += 0.5
        let mainBefore = values(model, student: false)
        XCTAssertNotEqual(values(model, student: true), initialStudent, "the steps must move the student, or the test shows nothing")
        XCTAssertEqual(model.studentOptimizer.step, 3)

        model.restartStudent(seed: 7)
        XCTAssertEqual(values(model, student: true), initialStudent)
        XCTAssertEqual(values(model, student: false), mainBefore)
        XCTAssertFalse(model.studentTrained)
        XCTAssertEqual(model.studentOptimizer.step, 0)
        for t in model.studentOptimizer.m + model.studentOptimizer.v { XCTAssertTrue(t.array.allSatisfy { $0 == 0 }) }

        // Another seed's student is another one: the restart draws the seed's weights, not a copy kept aside.
        let other = MultiTaskModel(config: config(), teacherWidth: 0, learningRate: 1e-2, seed: 8)
        XCTAssertNotEqual(values(other, student: true), initialStudent)
        model.restartStudent(seed: 8)
        XCTAssertEqual(values(model, student: true), values(other, student: true))
    }

    func testResetAdamTakesTheStepsOfANewOne() {
        func parameter() -> Parameter {
            let p = Parameter(name: "w", shape: [3])
            p.value.data.update(from: [0.5, -1, 2], count: 3)
            return p
        }
        let used = parameter(), reused = Adam(params: [used], lr: 0.1)
        for g in [Float(1), -2, 0.5] {
            used.grad.data.update(repeating: g, count: 3)
            reused.update()
        }
        used.value.data.update(from: [0.5, -1, 2], count: 3)
        reused.reset()
        let plain = parameter(), fresh = Adam(params: [plain], lr: 0.1)
        for g in [Float(0.3), -0.7] {
            for (p, adam) in [(used, reused), (plain, fresh)] {
                p.grad.data.update(repeating: g, count: 3)
                adam.update()
            }
        }
        XCTAssertEqual(used.value.array, plain.value.array)
        XCTAssertEqual(reused.step, fresh.step)
    }
}
