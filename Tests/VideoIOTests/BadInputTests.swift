import Foundation
import XCTest
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
        assertFails(try TestPaths.scratchFolder(), containing: "no images")
    }

    func testFileThatIsNotAVideo() throws {
        let path = try TestPaths.scratchFolder() + "/notes.mp4"
        try Data("this is plain text, not a video\n".utf8).write(to: URL(fileURLWithPath: path))
        assertFails(path, containing: "cannot open")
    }

    func testTruncatedMP4() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("clip.mp4")))
        let path = try TestPaths.scratchFolder() + "/half.mp4"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        // The writer puts the index first, so the cut file opens, decodes its first frames, then fails.
        assertFails(path, containing: "truncated or corrupt")
        let reader = try FrameReader(path: path)
        XCTAssertNotNil(try reader.next(), "what is valid decodes")
    }

    func testMP4WithoutItsIndex() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("clip.mp4")))
        let path = try TestPaths.scratchFolder() + "/tail.mp4"
        try whole.suffix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        assertFails(path, containing: "cannot open")
    }

    func testTruncatedJPEGInAFolder() throws {
        let folder = try TestPaths.scratchFolder()
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
        let folder = try TestPaths.scratchFolder()
        XCTAssertThrowsError(try discoverVideos([folder])) { error in
            XCTAssertTrue("\(error)".contains("no videos found"))
        }
    }
}
