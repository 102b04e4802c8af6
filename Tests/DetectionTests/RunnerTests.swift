import XCTest
@testable import Detection

/// The runner against OpenCV DNN (cv2.dnn.readNetFromDarknet, OpenCV 4.14) on the same random weights and input blob
/// (Scripts/make_darknet_fixtures.py). Compared: the raw outputs of the convolutions feeding each [yolo] layer
/// (OpenCV's own yolo layer decodes and reorders), and the classifier's softmax output.
final class RunnerTests: XCTestCase {
    func check(_ name: String, layers: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("\(name).cfg"))
        let runner = try DarknetRunner(network: net, weights: try DarknetWeights.load(path: Paths.fixture("\(name).weights"), network: net))
        let input = try readFloats(Paths.fixture("\(name).input.f32"))
        let outputs = try runner.forward(input, keep: Set(layers))
        for k in layers {
            let expected = try readFloats(Paths.fixture("\(name).L\(k).f32"))
            let got = try XCTUnwrap(outputs[k], file: file, line: line)
            XCTAssertEqual(got.count, expected.count, file: file, line: line)
            let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            print("\(name) layer \(k): max |swift - opencv| = \(diff) over \(got.count) values")
            XCTAssertLessThan(diff, 1e-4, "\(name) layer \(k)", file: file, line: line)
        }
    }

    func testYolov3TinyMiniMatchesOpenCV() throws { try check("yolov3-tiny-mini", layers: [15, 22]) }
    func testYolov3MiniMatchesOpenCV() throws { try check("yolov3-mini", layers: [30, 42, 54]) }
    func testClassifierMatchesOpenCV() throws { try check("classifier-mini", layers: [12]) }

    /// A batch gives each input what it gets alone, on networks whose deep convolutions run batched (small planes:
    /// yolov3-tiny-mini's 3 x 3 and 6 x 6 layers, yolov3-mini's 2 x 2 and 4 x 4 ones) beside routes, upsampling,
    /// shortcuts, pooling and yolo layers that run input by input, and on one where none does (classifier-mini).
    func testBatchMatchesOneInputAtATime() throws {
        for (name, layers, batched) in [("classifier-mini", [7, 12], false), ("yolov3-tiny-mini", [15, 22], true), ("yolov3-mini", [30, 42, 54], true)] {
            let net = try DarknetNetwork.load(cfgPath: Paths.model("\(name).cfg"))
            let runner = try DarknetRunner(network: net, weights: try DarknetWeights.load(path: Paths.fixture("\(name).weights"), network: net))
            XCTAssertEqual(!runner.batchedConvolutions.isEmpty, batched, name)
            let base = try readFloats(Paths.fixture("\(name).input.f32"))
            // Five inputs: the fixture's and four variations of it (scaled, shifted, reversed, inverted).
            let inputs = [base, base.map { $0 * 0.5 }, base.map { min(1, $0 + 0.2) }, base.reversed(), base.map { 1 - $0 }]
            let outputs = try runner.forward(batch: inputs, keep: Set(layers))
            XCTAssertEqual(outputs.count, inputs.count)
            for (i, input) in inputs.enumerated() {
                let alone = try runner.forward(input, keep: Set(layers))
                XCTAssertEqual(Set(outputs[i].keys), Set(alone.keys), "\(name) input \(i)")
                for (k, expected) in alone {
                    let got = try XCTUnwrap(outputs[i][k])
                    let scale = max(1, expected.map(abs).max() ?? 1)
                    let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
                    XCTAssertLessThan(diff, 1e-5 * scale, "\(name) input \(i) layer \(k)")
                }
            }
            XCTAssertNotEqual(outputs[0][layers[1]], outputs[1][layers[1]], "\(name): the inputs differ, so do the outputs")
        }
        let net = try DarknetNetwork.load(cfgPath: Paths.model("classifier-mini.cfg"))
        XCTAssertEqual(try DarknetRunner(network: net, weights: DarknetWeights.generated(for: net) { _, _, _ in 0.1 }).forward(batch: []).count, 0)
    }

    func testRouteGroupsAndConnectedByHand() throws {
        let cfg = """
            [net]
            width=2
            height=1
            channels=2
            [route]
            layers=-1
            [convolutional]
            filters=2
            size=1
            activation=linear
            [route]
            layers=-1,-1
            groups=2
            group_id=1
            [connected]
            output=1
            activation=relu
            [softmax]
            """
        // route layers=-1 at index 0 is invalid (no earlier layer): the first layer cannot route.
        XCTAssertThrowsError(try DarknetNetwork.parse(cfg))
        let fixed = cfg.replacingOccurrences(of: "[route]\nlayers=-1\n[convolutional]", with: "[convolutional]")
        let net = try DarknetNetwork.parse(fixed)
        XCTAssertEqual(net.layers.map(\.output.c), [2, 2, 1, 1])
        var w = DarknetWeights.generated(for: net) { _, _, _ in 0 }
        w.layers[0].weights = [1, 0, 0, 2]   // out0 = in0, out1 = 2*in1
        w.layers[0].biases = [0, 1]
        w.layers[2].weights = [1, 1, 10, 10] // (4 inputs: route = ch1 of conv (2 values) + ch1 of conv again)
        w.layers[2].biases = [-3]
        let net2 = net
        let runner = try DarknetRunner(network: net2, weights: w)
        let out = try runner.forward([1, 2, 3, 4], keep: [1, 2])
        // conv: ch0 = [1,2], ch1 = 2*[3,4]+1 = [7,9]; route groups=2 id=1 takes ch1 of layer 0 then ch1 of layer 0: [7,9,7,9]
        XCTAssertEqual(out[1], [7, 9, 7, 9])
        XCTAssertEqual(out[2], [7 + 9 + 70 + 90 - 3])
        XCTAssertEqual(out[3], [1])
    }

    func testDarknetMaxpoolKeepsSizeWithStrideOne() throws {
        let net = try DarknetNetwork.parse("[net]\nwidth=3\nheight=3\nchannels=1\n[maxpool]\nsize=2\nstride=1\n")
        XCTAssertEqual(net.layers[0].output, TensorShape(c: 1, h: 3, w: 3))
        let runner = try DarknetRunner(network: net, weights: DarknetWeights.generated(for: net) { _, _, _ in 0 })
        let out = try runner.forward([1, 5, 2, -1, -2, -3, 4, 0, 9])
        XCTAssertEqual(out[0], [5, 5, 2, 4, 9, 9, 4, 9, 9])
    }

    func testWrongInputSizeThrows() throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("classifier-mini.cfg"))
        let runner = try DarknetRunner(network: net, weights: DarknetWeights.generated(for: net) { _, _, _ in 0.1 })
        XCTAssertThrowsError(try runner.forward([1, 2, 3]))
        XCTAssertThrowsError(try runner.forward(batch: [[Float](repeating: 0, count: net.input.count), [1, 2, 3]]))
    }
}
