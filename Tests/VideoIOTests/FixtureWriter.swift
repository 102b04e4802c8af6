import Foundation
import XCTest
@testable import VideoIO

/// Not a test of its own: Scripts/make_video_fixtures.sh runs it with SSMTL_WRITE_FIXTURES=<dir> so the
/// committed fixtures are written by the project's own writers. Skipped in normal runs.
final class FixtureWriter: XCTestCase {
    func testWriteFixtures() throws {
        guard let folder = ProcessInfo.processInfo.environment["SSMTL_WRITE_FIXTURES"] else {
            throw XCTSkip("set SSMTL_WRITE_FIXTURES=<dir> to regenerate the fixtures")
        }
        let writer = try VideoWriter(path: folder + "/clip.mp4", width: 64, height: 48, fps: 10)
        for i in 0..<40 { try writer.append(syntheticFrame(index: i, width: 64, height: 48)) }
        try writer.finish()
        try ImageFile.write(syntheticMask(width: 40, height: 30), to: folder + "/mask.bmp")
        try ImageFile.write(syntheticFrame(index: 3, width: 21, height: 13), to: folder + "/picture.bmp")
    }
}
