import XCTest
@testable import Detection

final class CfgParserTests: XCTestCase {
    let small = """
        [net]
        # comment
        width = 32
        height=32
        channels=3
        ; another comment
        [conv]
        batch_normalize=1
        filters=4
        size=3
        stride=1
        pad=1
        activation=leaky
        [max]
        size=2
        stride=2
        """

    func testParsesSectionsAliasesAndWhitespace() throws {
        let net = try DarknetNetwork.parse(small)
        XCTAssertEqual(net.input, TensorShape(c: 3, h: 32, w: 32))
        XCTAssertEqual(net.layers.count, 2)
        XCTAssertEqual(net.layers[0].output, TensorShape(c: 4, h: 32, w: 32))
        XCTAssertEqual(net.layers[1].output, TensorShape(c: 4, h: 16, w: 16))
        XCTAssertTrue(net.warnings.isEmpty, "\(net.warnings)")
        XCTAssertEqual(net.parameterCount, 4 + 3 * 4 + 4 * 3 * 9)
    }

    func testUnusedKeyIsReported() throws {
        let net = try DarknetNetwork.parse(small + "\nbogus_key = 7\n", file: "a.cfg")
        XCTAssertEqual(net.warnings.count, 1)
        XCTAssertTrue(net.warnings[0].contains("a.cfg:17"), net.warnings[0])
        XCTAssertTrue(net.warnings[0].contains("bogus_key = 7"), net.warnings[0])
    }

    func testUnknownSectionIsAnErrorWithItsLine() {
        XCTAssertThrowsError(try DarknetNetwork.parse("[net]\nwidth=8\nheight=8\nchannels=1\n\n[lstm]\n", file: "b.cfg")) { error in
            let e = error as! DarknetError
            XCTAssertEqual(e.file, "b.cfg")
            XCTAssertEqual(e.line, 6)
            XCTAssertTrue(e.description.contains("unknown section [lstm]"), e.description)
        }
    }

    func testBadValuesAreErrorsWithTheirLine() {
        assertParseError(small.replacingOccurrences(of: "filters=4", with: "filters=four"), onLine: 9, says: "filters=four is not an integer")
        let activation = small.replacingOccurrences(of: "leaky", with: "swish")
        XCTAssertThrowsError(try DarknetNetwork.parse(activation)) { XCTAssertEqual(($0 as! DarknetError).line, 13) }
        XCTAssertThrowsError(try DarknetNetwork.parse("[net]\nwidth=8\nheight=8\nchannels=1\n[route]\nlayers=-5\n")) {
            XCTAssertEqual(($0 as! DarknetError).line, 6)
        }
        XCTAssertThrowsError(try DarknetNetwork.parse("[net]\nwidth=8\nnonsense line\n")) { XCTAssertEqual(($0 as! DarknetError).line, 3) }
        XCTAssertThrowsError(try DarknetNetwork.parse("[conv]\nfilters=1\n")) // first section must be [net]
    }

    /// Sizes that would need gigabytes (a typing mistake or a corrupt file) are errors at parse time, with their
    /// line, before anything is allocated.
    func testAbsurdSizesAreErrorsBeforeAllocation() {
        assertParseError(small.replacingOccurrences(of: "width = 32", with: "width = 100000"), onLine: 1, says: "at most 8192")
        assertParseError(small.replacingOccurrences(of: "filters=4", with: "filters=16000000"), onLine: 7, says: "over 2^28")
        assertParseError("[net]\nwidth=8192\nheight=8192\nchannels=3\n[connected]\noutput=1000\n", onLine: 5, says: "needs over 2^28 weights")
        // Values that would overflow the shape arithmetic are refused as they are read.
        for (old, new) in [("size=3", "size=9223372036854775807"), ("stride=1", "stride=4611686018427387904")] {
            XCTAssertThrowsError(try DarknetNetwork.parse(small.replacingOccurrences(of: old, with: new))) { error in
                XCTAssertTrue("\(error)".contains("an integer of at most 2^24 in size"), "\(error)")
            }
        }
        // The input a convolution unfolds (channels x size^2 x output pixels) is bounded like its output.
        let unfolded = "[net]\nwidth=6000\nheight=6000\nchannels=3\n[convolutional]\nfilters=1\nsize=15\npad=1\n"
        XCTAssertThrowsError(try DarknetNetwork.parse(unfolded)) { error in
            XCTAssertTrue("\(error)".contains("would unfold its input into over 2^28 values"), "\(error)")
        }
        let yolo = "[net]\nwidth=8\nheight=8\nchannels=3\n[yolo]\nnum=16777216\nclasses=1\n"
        XCTAssertThrowsError(try DarknetNetwork.parse(yolo)) { XCTAssertTrue("\($0)".contains("num"), "\($0)") }
        XCTAssertNoThrow(try DarknetNetwork.parse(small.replacingOccurrences(of: "filters=4", with: "filters=1024")))
    }

    /// Parsing `text` (as c.cfg) fails on line `expectedLine` with a message containing `says`.
    private func assertParseError(_ text: String, onLine expectedLine: Int, says: String, file: StaticString = #filePath, line testLine: UInt = #line) {
        XCTAssertThrowsError(try DarknetNetwork.parse(text, file: "c.cfg"), file: file, line: testLine) { error in
            XCTAssertEqual((error as? DarknetError)?.line, expectedLine, "\(error)", file: file, line: testLine)
            XCTAssertTrue("\(error)".contains(says), "\(error)", file: file, line: testLine)
        }
    }

    func testYolov3TinyShapesAndSize() throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("yolov3-tiny.cfg"))
        XCTAssertEqual(net.layers.count, 24)
        XCTAssertEqual(net.parameterCount, 8_858_734)
        XCTAssertEqual(20 + 4 * net.parameterCount, 35_434_956)
        XCTAssertEqual(net.layers[11].output, TensorShape(c: 512, h: 13, w: 13))
        XCTAssertEqual(net.layers[16].output, TensorShape(c: 255, h: 13, w: 13))
        XCTAssertEqual(net.layers[20].output, TensorShape(c: 384, h: 26, w: 26))
        XCTAssertEqual(net.layers[22].output, TensorShape(c: 255, h: 26, w: 26))
        XCTAssertEqual(net.yoloLayers, [16, 23])
        XCTAssertTrue(net.warnings.isEmpty, "\(net.warnings)")
        XCTAssertTrue(net.layerTable().contains("parameters: 8858734 floats"))
    }

    func testYolov3Graph() throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("yolov3.cfg"))
        XCTAssertEqual(net.layers.count, 107)
        XCTAssertEqual(net.layers.filter { if case .convolutional = $0.kind { true } else { false } }.count, 75)
        XCTAssertEqual(net.yoloLayers, [82, 94, 106])
        XCTAssertEqual(net.layers[106].output, TensorShape(c: 255, h: 52, w: 52))
        // The published yolov3.weights is 248,007,048 bytes.
        XCTAssertEqual(20 + 4 * net.parameterCount, 248_007_048)
        XCTAssertTrue(net.warnings.isEmpty, "\(net.warnings)")
    }
}
