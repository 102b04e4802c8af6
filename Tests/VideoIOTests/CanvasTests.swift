import XCTest
@testable import VideoIO

final class CanvasTests: XCTestCase {
    func testPrimitivesAndFont() {
        var c = Canvas(width: 20, height: 10)
        c.fillRect(x0: -5, y0: -5, x1: 1, y1: 1, .red)       // clipped to the corner
        XCTAssertEqual(c.pixel(0, 0), .red)
        XCTAssertEqual(c.pixel(1, 1), .red)
        XCTAssertEqual(c.pixel(2, 2), .white)
        c.line(3, 9, 19, 1, .blue)
        XCTAssertEqual(c.pixel(3, 9), .blue)
        XCTAssertEqual(c.pixel(19, 1), .blue)
        var t = Canvas(width: 12, height: 7)
        t.text("1", x: 0, y: 0, .black)
        // Glyph '1': rows 0x04 0x0C 0x04 0x04 0x04 0x04 0x0E -> column 2 set in every row, bottom row columns 1-3.
        for y in 0..<7 { XCTAssertEqual(t.pixel(2, y), .black, "row \(y)") }
        XCTAssertEqual(t.pixel(1, 6), .black)
        XCTAssertEqual(t.pixel(0, 0), .white)
        XCTAssertEqual(Canvas.textWidth("AB"), 11)
        for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:-_=/()%+ " { XCTAssertNotNil(BitmapFont.glyph(ch), String(ch)) }
    }
}
