import Foundation
import XCTest
import TestScratch
@testable import VideoIO

/// `ImageFile.jpegData`: a JPEG that the project's reader (FFmpeg) decodes to the same size and nearly the same
/// pixels, smaller at a coarser quality.
final class JPEGEncodingTests: XCTestCase {
    /// Smooth gradients with a dark square: what lossy coding keeps close.
    private func picture(width: Int, height: Int, layout: PixelLayout = .rgb24) -> Frame {
        var pixels = [UInt8](repeating: 0, count: width * height * layout.channels)
        for y in 0..<height {
            for x in 0..<width {
                let inSquare = (width / 3..<width / 2).contains(x) && (height / 3..<height / 2).contains(y)
                let rgb: [UInt8] = inSquare ? [20, 20, 30] : [UInt8(x * 255 / width), UInt8(y * 255 / height), 128]
                for c in 0..<layout.channels { pixels[(y * width + x) * layout.channels + c] = layout == .gray8 ? rgb[0] : rgb[c] }
            }
        }
        return Frame(width: width, height: height, layout: layout, pixels: pixels)
    }

    private func decode(_ data: Data) throws -> Frame {
        let path = try makeScratchFolder("ssmtl-jpeg") + "/picture.jpg"
        try data.write(to: URL(fileURLWithPath: path))
        return try ImageFile.read(path: path)
    }

    func testJPEGDecodesToTheSameSizeAndNearlyTheSamePixels() throws {
        // Odd sizes: 4:2:0 chroma covers the last row and column too.
        for (width, height) in [(161, 97), (320, 180), (7, 5)] {
            let frame = picture(width: width, height: height)
            let data = try ImageFile.jpegData(frame)
            XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8], "start-of-image marker")
            XCTAssertEqual(Array(data.suffix(2)), [0xFF, 0xD9], "end-of-image marker")
            let back = try decode(data)
            XCTAssertEqual(back.width, width)
            XCTAssertEqual(back.height, height)
            let meanError = zip(back.pixels, frame.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(frame.pixels.count)
            // A 7x5 picture is all edges (36 levels a pixel): its size is the point there, not its fidelity.
            guard width > 10 else { continue }
            XCTAssertLessThan(meanError, 4, "\(width)x\(height)")
            // The dark square stays dark: full range, not a washed-out video range.
            let centre = ((height * 5 / 12) * width + width * 5 / 12) * 3
            XCTAssertLessThan(back.pixels[centre], 40)
        }
    }

    func testGreyFramesAndQualityLevels() throws {
        let grey = picture(width: 64, height: 48, layout: .gray8)
        let back = try decode(try ImageFile.jpegData(grey))
        XCTAssertEqual(back.width, 64)
        XCTAssertEqual(back.pixels[(20 * 64 + 10) * 3], grey.pixels[20 * 64 + 10], accuracy: 6)
        let frame = picture(width: 320, height: 180)
        XCTAssertLessThan(try ImageFile.jpegData(frame, quality: 20).count, try ImageFile.jpegData(frame, quality: 2).count)
        XCTAssertThrowsError(try ImageFile.jpegData(frame, quality: 1)) { error in
            XCTAssertTrue("\(error)".contains("JPEG quality 1 outside 2...31"), "\(error)")
        }
    }
}
