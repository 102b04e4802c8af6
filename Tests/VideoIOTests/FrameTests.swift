import XCTest
@testable import VideoIO

final class FrameTests: XCTestCase {
    func testGrayscaleUsesBT601Weights() {
        let f = Frame(width: 2, height: 1, layout: .rgb24, pixels: [255, 0, 0, 0, 0, 255])
        XCTAssertEqual(f.grayscale().pixels, [76, 29])
    }
}
