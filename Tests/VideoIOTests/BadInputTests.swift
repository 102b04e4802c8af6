import Foundation
import XCTest
import TestScratch
@testable import VideoIO

/// Bad input gives a VideoIOError naming the file, never a trap or a silent short read.
final class BadInputTests: XCTestCase {
    private func assertFails(_ path: String, containing text: String, layout: PixelLayout = .rgb24,
                             file: StaticString = #filePath, line: UInt = #line) {
        do {
            let reader = try FrameReader(path: path, layout: layout)
            while try reader.next() != nil {}
            XCTFail("expected an error for \(path)", file: file, line: line)
        } catch let error as VideoIOError {
            XCTAssertTrue(error.description.hasPrefix(path), "\(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(text), "\(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    func testMissingPath() {
        assertFails("/nonexistent/ssmtl/video.mp4", containing: "no such file")
    }

    func testEmptyFolder() throws {
        assertFails(try makeScratchFolder("ssmtl-tests"), containing: "no images")
    }

    func testFileThatIsNotAVideo() throws {
        let path = try makeScratchFolder("ssmtl-tests") + "/notes.mp4"
        try Data("this is plain text, not a video\n".utf8).write(to: URL(fileURLWithPath: path))
        assertFails(path, containing: "cannot open")
    }

    func testTruncatedMP4() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("clip.mp4")))
        let path = try makeScratchFolder("ssmtl-tests") + "/half.mp4"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        // The writer puts the index first, so the cut file opens, decodes its first frames, then fails.
        assertFails(path, containing: "truncated or corrupt")
        let reader = try FrameReader(path: path)
        XCTAssertNotNil(try reader.next(), "what is valid decodes")
    }

    func testMP4WithoutItsIndex() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("clip.mp4")))
        let path = try makeScratchFolder("ssmtl-tests") + "/tail.mp4"
        try whole.suffix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        assertFails(path, containing: "cannot open")
    }

    /// The smallest baseline JPEG: a 16x16 grey picture of four 8x8 blocks, each a zero DC difference and an
    /// immediate end of block (one-code Huffman tables, so the scan data is the single byte 00).
    static let tinyJPEG: [UInt8] = {
        var b: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 1, count: 64)
        b += [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00]
        for tableClass: UInt8 in [0x00, 0x10] {
            b += [0xFF, 0xC4, 0x00, 0x14, tableClass, 0x01] + [UInt8](repeating: 0, count: 15) + [0x00]
        }
        b += [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
        return b + [0x00, 0xFF, 0xD9]
    }()

    /// FFmpeg's JPEG decoder fills the rows of a cut-off file with grey and reports success ("EOI missing,
    /// emulating"): without the end-of-image check a truncated frame would be scored as if it were whole.
    func testTruncatedJPEGIsAnError() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        try Data(Self.tinyJPEG).write(to: URL(fileURLWithPath: folder + "/whole.jpg"))
        let frame = try ImageFile.read(path: folder + "/whole.jpg", layout: .gray8)
        XCTAssertEqual(frame.width, 16)
        XCTAssertEqual(frame.height, 16)
        XCTAssertTrue(frame.pixels.allSatisfy { $0 == 128 }, "DC 0 decodes to the middle grey")
        for (name, bytes) in [("no_eoi.jpg", Self.tinyJPEG.dropLast(2)), ("mid_scan.jpg", Self.tinyJPEG.dropLast(3))] {
            let path = folder + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ImageFile.read(path: path)) { error in
                XCTAssertEqual("\(error)", "\(path): truncated JPEG (no end-of-image marker after the image data)")
            }
        }
        let text = folder + "/text.jpg"
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ImageFile.read(path: text)) { error in
            XCTAssertEqual("\(error)", "\(text): not a JPEG image (no start-of-image marker)")
        }
        // Bytes after the end of image are not looked at, even when they hold markers (a motion photo's video).
        XCTAssertTrue(ImageDecoder.jpegEndsAfterItsScan(Data(Self.tinyJPEG + [0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01])))
        // An EXIF thumbnail (its own FF D8 ... FF D9 inside an APP1 segment) does not make a cut main image whole.
        let thumbnail: [UInt8] = [0xFF, 0xE1, 0x00, 0x08, 0xFF, 0xD8, 0x00, 0x00, 0xFF, 0xD9]
        let withThumbnail = Array(Self.tinyJPEG.prefix(2)) + thumbnail + Array(Self.tinyJPEG.dropFirst(2))
        XCTAssertTrue(ImageDecoder.jpegEndsAfterItsScan(Data(withThumbnail)))
        XCTAssertFalse(ImageDecoder.jpegEndsAfterItsScan(Data(withThumbnail.dropLast(2))))
        // A stuffed FF 00 or a restart marker inside the scan is data, not the end.
        let stuffed = Array(Self.tinyJPEG.dropLast(2)) + [0xFF, 0x00, 0xFF, 0xD0, 0x00]
        XCTAssertFalse(ImageDecoder.jpegEndsAfterItsScan(Data(stuffed)))
        XCTAssertTrue(ImageDecoder.jpegEndsAfterItsScan(Data(stuffed + [0xFF, 0xD9])))
    }

    func testTruncatedPNGInAFolder() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        try ImageFile.write(syntheticFrame(index: 0, width: 16, height: 16), to: folder + "/000.png")
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/000.png"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: folder + "/001.png"))
        do {
            let reader = try FrameReader(path: folder)
            XCTAssertNotNil(try reader.next())
            _ = try reader.next()
            XCTFail("the cut PNG must not decode silently")
        } catch let error as VideoIOError {
            XCTAssertTrue(error.path.hasSuffix("001.png"), "\(error)")
        }
    }

    func testUnsupportedPixelFormat() {
        assertFails(TestPaths.fixture("unsupported_bgr4.nut"), containing: "unsupported pixel format bgr4")
    }

    func testInputDiscoveryErrors() throws {
        XCTAssertThrowsError(try discoverVideos(["/nonexistent/x"]))
        let folder = try makeScratchFolder("ssmtl-tests")
        XCTAssertThrowsError(try discoverVideos([folder])) { error in
            XCTAssertTrue("\(error)".contains("no videos found"))
        }
    }

    /// A link to nothing with a video's name (or a file removed after the listing) is not an input.
    func testADanglingLinkInAFolderIsNotAVideo() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        try FileManager.default.createSymbolicLink(atPath: folder + "/gone.mp4", withDestinationPath: folder + "/missing.mp4")
        XCTAssertThrowsError(try discoverVideos([folder])) { error in
            XCTAssertTrue("\(error)".contains("no videos found"), "\(error)")
        }
    }
}
