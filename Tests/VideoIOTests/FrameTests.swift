import Foundation
import XCTest
import TestScratch
@testable import VideoIO

final class FrameTests: XCTestCase {
    func testGrayscaleUsesBT601Weights() {
        let f = Frame(width: 2, height: 1, layout: .rgb24, pixels: [255, 0, 0, 0, 0, 255])
        XCTAssertEqual(f.grayscale().pixels, [76, 29])
    }

    func testNaturalSort() {
        let names = ["10.jpg", "2.jpg", "001.jpg", "1.jpg", "a10", "a9", "img_100.png", "img_20.png"]
        XCTAssertEqual(names.sorted(by: naturalLess), ["1.jpg", "001.jpg", "2.jpg", "10.jpg", "a9", "a10", "img_20.png", "img_100.png"])
    }

    func testDiscoveryOfADatasetSplit() throws {
        let root = try makeScratchFolder("ssmtl-tests")
        for video in ["01", "02", "10"] {
            try FileManager.default.createDirectory(atPath: root + "/\(video)", withIntermediateDirectories: true)
            try ImageFile.write(syntheticFrame(index: 0, width: 8, height: 8), to: root + "/\(video)/0.png")
        }
        try FileManager.default.copyItem(atPath: TestPaths.fixture("clip.mp4"), toPath: root + "/03.mp4")
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/readme.txt"))
        let videos = try discoverVideos([root])
        XCTAssertEqual(videos.map(\.name), ["01", "02", "03", "10"])
        XCTAssertEqual(videos.map(\.isFrameFolder), [true, true, false, true])
        // The same name twice would make output files collide.
        XCTAssertThrowsError(try discoverVideos([root + "/01", root + "/01"]))
    }

    /// A crop is the rectangle's pixels, row by row, in the frame's layout, with its index and timestamp.
    func testCroppedCopiesTheRectangleRowByRow() {
        let rgb = Frame(index: 7, timestamp: 0.28, width: 4, height: 3, layout: .rgb24, pixels: (0..<36).map(UInt8.init))
        let crop = rgb.cropped(x: 1, y: 1, width: 2, height: 2)
        XCTAssertEqual([crop.width, crop.height, crop.index], [2, 2, 7])
        XCTAssertEqual(crop.timestamp, 0.28)
        XCTAssertEqual(crop.pixels, [15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32])
        let grey = Frame(width: 3, height: 2, layout: .gray8, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(grey.cropped(x: 2, y: 0, width: 1, height: 2).pixels, [3, 6])
        XCTAssertEqual(grey.cropped(x: 0, y: 0, width: 3, height: 2).pixels, grey.pixels, "the whole frame")
    }
}
