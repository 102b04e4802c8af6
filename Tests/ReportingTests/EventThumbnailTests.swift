import Foundation
import XCTest
import VideoIO
@testable import Reporting

/// The pictures' geometry: thumbnail sizes, close-up regions inside the frame, averaging down; and the page's times.
final class EventThumbnailTests: XCTestCase {
    func testCloseUpRegionsStayInsideTheFrame() {
        // Widened by half the box's size each side.
        XCTAssertTrue(EventThumbnails.closeUpRegion(of: EventBox(xMin: 100, yMin: 50, xMax: 180, yMax: 120), width: 480, height: 240) == (60, 15, 162, 142))
        // A tiny box gets the minimum region; at a corner the region is pushed inside the frame.
        XCTAssertTrue(EventThumbnails.closeUpRegion(of: EventBox(xMin: 0, yMin: 0, xMax: 3, yMax: 3), width: 480, height: 240) == (0, 0, 48, 48))
        XCTAssertTrue(EventThumbnails.closeUpRegion(of: EventBox(xMin: 470, yMin: 230, xMax: 479, yMax: 239), width: 480, height: 240) == (432, 192, 48, 48))
        // A box as large as the frame: the whole frame, scaled to at most 240 pixels a side.
        XCTAssertTrue(EventThumbnails.closeUpRegion(of: EventBox(xMin: 0, yMin: 0, xMax: 639, yMax: 359), width: 640, height: 360) == (0, 0, 640, 360))
        let frame = Frame(width: 640, height: 360, layout: .rgb24, pixels: [UInt8](repeating: 90, count: 640 * 360 * 3))
        let closeUp = EventThumbnails.closeUp(of: EventBox(xMin: 0, yMin: 0, xMax: 639, yMax: 359), in: frame)
        XCTAssertEqual(closeUp.width, 240)
        XCTAssertEqual(closeUp.height, 135)
    }

    func testDownscalingAveragesThePixelsEachOutputPixelCovers() {
        // 4x2 grey: columns 0, 100, 200, 50 on both rows, halved to 2x1.
        let frame = Frame(width: 4, height: 2, layout: .gray8, pixels: [0, 100, 200, 50, 0, 100, 200, 50])
        XCTAssertEqual(EventThumbnails.downscaled(frame, to: (2, 1)).pixels, [50, 125])
        XCTAssertEqual(EventThumbnails.downscaled(frame, to: (4, 2)).pixels, frame.pixels)
    }

    func testThumbnailSizesAndClockTimes() {
        XCTAssertTrue(EventThumbnails.thumbnailSize(width: 480, height: 240, maxWidth: 320) == (320, 160))
        XCTAssertTrue(EventThumbnails.thumbnailSize(width: 200, height: 100, maxWidth: 320) == (200, 100))
        XCTAssertTrue(EventThumbnails.thumbnailSize(width: 1920, height: 1, maxWidth: 320) == (320, 1))
        XCTAssertEqual(ReportPage.clock(12.48), "0:12.48")
        XCTAssertEqual(ReportPage.clock(62.005), "1:02.01")
        XCTAssertEqual(ReportPage.clock(3723.5), "1:02:03.50")
    }
}
