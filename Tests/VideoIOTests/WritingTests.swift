import Foundation
import XCTest
import TestScratch
@testable import VideoIO

final class WritingTests: XCTestCase {
    func testVideoRoundTripStaysCloseToTheSource() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        let path = folder + "/round.mp4"
        let writer = try VideoWriter(path: path, width: 63, height: 35, fps: 12.5)
        for i in 0..<20 { try writer.append(syntheticFrame(index: i, width: 63, height: 35)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the video appears only when finished")
        try writer.finish()
        let reader = try FrameReader(path: path, outputSize: (63, 35))
        XCTAssertEqual(reader.info.fps, 12.5, accuracy: 1e-6)
        let frames = try readAll(reader)
        XCTAssertEqual(frames.count, 20)
        let source = syntheticFrame(index: 7, width: 63, height: 35).pixels
        let meanError = zip(frames[7].pixels, source).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(source.count)
        XCTAssertLessThan(meanError, 8, "lossy, but close")
    }

    func testAbandonedWriterLeavesNoFile() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        do {
            let writer = try VideoWriter(path: folder + "/never.mp4", width: 32, height: 32)
            try writer.append(syntheticFrame(index: 0, width: 32, height: 32))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testImagesRoundTripLosslessly() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        let picture = syntheticFrame(index: 2, width: 17, height: 9)
        let mask = syntheticMask(width: 40, height: 30)
        for ext in ["png", "bmp"] {
            try ImageFile.write(picture, to: folder + "/p.\(ext)")
            XCTAssertEqual(try ImageFile.read(path: folder + "/p.\(ext)").pixels, picture.pixels, ext)
            try ImageFile.write(mask, to: folder + "/m.\(ext)")
            XCTAssertEqual(try ImageFile.read(path: folder + "/m.\(ext)", layout: .gray8).pixels, mask.pixels, ext)
        }
        XCTAssertThrowsError(try ImageFile.write(picture, to: folder + "/p.gif"))
    }

    func testGreyAndResizedOutput() throws {
        let frames = try readAll(FrameReader(path: TestPaths.fixture("clip.mp4"), layout: .gray8, outputSize: (32, 24)))
        XCTAssertEqual(frames.count, 40)
        XCTAssertTrue(frames.allSatisfy { $0.width == 32 && $0.height == 24 && $0.pixels.count == 32 * 24 })
    }
}
