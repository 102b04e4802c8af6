import Foundation
import XCTest
@testable import VideoIO

/// Decoded pixels must equal the ffmpeg command line's (`-pix_fmt rgb24|gray -f rawvideo`) bit for bit.
final class DecodingTests: XCTestCase {
    func testOwnVideoDecodesLikeFFmpegCLI() throws {
        let reader = try FrameReader(path: TestPaths.fixture("clip.mp4"))
        XCTAssertEqual(reader.info.width, 64)
        XCTAssertEqual(reader.info.height, 48)
        XCTAssertEqual(reader.info.fps, 10, accuracy: 1e-9)
        XCTAssertEqual(reader.info.frameCount, 40)
        let frames = try readAll(reader)
        XCTAssertEqual(frames.map { md5Hex($0.pixels) }, try Golden.md5s("clip_rgb24"))
        XCTAssertEqual(frames.map(\.index), Array(0..<40))
        XCTAssertEqual(frames[5].timestamp, 0.5, accuracy: 1e-9)

        let grey = try readAll(FrameReader(path: TestPaths.fixture("clip.mp4"), layout: .gray8))
        XCTAssertEqual(grey.map { md5Hex($0.pixels) }, try Golden.md5s("clip_gray"))
    }

    func testPed2FrameFolderDecodesLikeFFmpegCLI() throws {
        let folder = try TestPaths.dataset("ped2/testing/frames/01")
        let frames = try readAll(FrameReader(path: folder))
        XCTAssertEqual(frames.count, 180)
        XCTAssertEqual(frames.map { md5Hex($0.pixels) }, try Golden.md5s("ped2_test01_rgb24"))
        let grey = try readAll(FrameReader(path: folder, layout: .gray8))
        XCTAssertEqual(grey.map { md5Hex($0.pixels) }, try Golden.md5s("ped2_test01_gray"))
    }

    func testPed2MaskPNGsDecodeLikeFFmpegCLI() throws {
        let folder = try TestPaths.dataset("ped2/gt/Test001_gt")
        let masks = try readAll(FrameReader(path: folder, layout: .gray8))
        XCTAssertEqual(masks.count, 180)
        XCTAssertEqual(masks.map { md5Hex($0.pixels) }, try Golden.md5s("ped2_test001_gt_gray"))
        XCTAssertTrue(masks.allSatisfy { $0.pixels.allSatisfy { $0 == 0 || $0 == 255 } })
    }

    func testBMPWrittenByOwnWriterDecodesLikeFFmpegCLI() throws {
        let mask = try ImageFile.read(path: TestPaths.fixture("mask.bmp"), layout: .gray8)
        XCTAssertEqual(md5Hex(mask.pixels), try Golden.md5s("mask_bmp_gray")[0])
        XCTAssertEqual(mask.pixels, syntheticMask(width: 40, height: 30).pixels, "BMP must be lossless")

        let picture = try ImageFile.read(path: TestPaths.fixture("picture.bmp"))
        XCTAssertEqual(md5Hex(picture.pixels), try Golden.md5s("picture_bmp_rgb24")[0])
        XCTAssertEqual(picture.pixels, syntheticFrame(index: 3, width: 21, height: 13).pixels, "odd width: rows are padded in BMP")
    }

    func testAllPed2FoldersDecodeToTheirFileCounts() throws {
        let root = try TestPaths.dataset("ped2")
        var totals: [String: Int] = [:]
        for split in ["training", "testing"] {
            let videos = try discoverVideos([root + "/\(split)/frames"])
            XCTAssertEqual(videos.count, split == "training" ? 16 : 12)
            for video in videos {
                let files = try imageFiles(inFolder: video.path).count
                let reader = try FrameReader(path: video.path, layout: .gray8)
                XCTAssertEqual(reader.info.frameCount, files)
                XCTAssertEqual(try reader.countByDecoding(), files, "\(split)/\(video.name)")
                totals[split, default: 0] += files
            }
        }
        XCTAssertEqual(totals["testing"], 2010)
        XCTAssertEqual(totals["training"], 2550)
    }
}
