import XCTest
@testable import Detection

final class WeightsTests: XCTestCase {
    func network() throws -> DarknetNetwork { try DarknetNetwork.load(cfgPath: Paths.model("yolov3-tiny-mini.cfg")) }

    func testRoundTrip() throws {
        let net = try network()
        let weights = DarknetWeights.generated(for: net) { layer, slot, i in Float(layer * 7 + slot * 3 + i % 11) / 10 }
        let data = try weights.encode(network: net)
        XCTAssertEqual(data.count, 20 + 4 * net.parameterCount)
        let back = try DarknetWeights.decode(data, network: net)
        XCTAssertEqual(back.layers, weights.layers)
        XCTAssertEqual(back.header, WeightsHeader())
    }

    func testOneFloatTooShortOrTooLong() throws {
        let net = try network()
        let data = try DarknetWeights.generated(for: net) { _, _, _ in 0.5 }.encode(network: net)
        XCTAssertThrowsError(try DarknetWeights.decode(data.dropLast(4), network: net, file: "w")) {
            XCTAssertTrue("\($0)".contains("too short") && "\($0)".contains("(1 missing)"), "\($0)")
        }
        XCTAssertThrowsError(try DarknetWeights.decode(data + Data(count: 4), network: net, file: "w")) {
            XCTAssertTrue("\($0)".contains("too long") && "\($0)".contains("(1 extra)"), "\($0)")
        }
        XCTAssertThrowsError(try DarknetWeights.decode(data.dropLast(2), network: net, file: "w"))
        XCTAssertThrowsError(try DarknetWeights.decode(Data(count: 3), network: net, file: "w"))
    }

    func testOldHeaderHas32BitSeen() throws {
        let net = try network()
        var weights = DarknetWeights.generated(for: net) { _, _, i in Float(i % 5) }
        weights.header = WeightsHeader(major: 0, minor: 1, revision: 0, seen: 12)
        let data = try weights.encode(network: net)
        XCTAssertEqual(data.count, 16 + 4 * net.parameterCount)
        let back = try DarknetWeights.decode(data, network: net)
        XCTAssertEqual(back.header.seen, 12)
        XCTAssertEqual(back.layers, weights.layers)
    }

    func testFixtureFileMatchesItsCfg() throws {
        let net = try network()
        XCTAssertNoThrow(try DarknetWeights.load(path: Paths.fixture("yolov3-tiny-mini.weights"), network: net))
        let other = try DarknetNetwork.load(cfgPath: Paths.model("yolov3-mini.cfg"))
        XCTAssertThrowsError(try DarknetWeights.load(path: Paths.fixture("yolov3-tiny-mini.weights"), network: other))
    }
}
