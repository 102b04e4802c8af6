import Foundation
import XCTest
@testable import VideoIO

/// Paths the tests share: committed fixtures, the real datasets beside the repository.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/VideoIOTests/Fixtures")
    static let datasets = packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func dataset(_ relative: String) throws -> String {
        let path = datasets.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("real data not present at \(path)")
        }
        return path
    }
}


/// The golden checksums made by Scripts/make_video_fixtures.sh with the ffmpeg command line:
/// lines `<key> <frame> <md5>`.
enum Golden {
    static func md5s(_ key: String) throws -> [String] {
        let text = try String(contentsOfFile: TestPaths.fixture("golden_md5.txt"), encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count == 3 && $0[0] == key }
        XCTAssertFalse(rows.isEmpty, "no golden checksums for \(key)")
        return rows.sorted { Int($0[1])! < Int($1[1])! }.map { String($0[2]) }
    }
}

/// A deterministic test picture: diagonal gradients that move with the frame index.
func syntheticFrame(index: Int, width: Int, height: Int) -> Frame {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let i = 3 * (y * width + x)
            pixels[i] = UInt8((x * 4 + index * 8) & 255)
            pixels[i + 1] = UInt8((y * 5 + index * 3) & 255)
            pixels[i + 2] = UInt8(((x + y) * 3) & 255)
        }
    }
    return Frame(index: index, width: width, height: height, layout: .rgb24, pixels: pixels)
}

/// A mask-like grey picture (0 background, 255 blobs), like the official Ped2 BMP masks.
func syntheticMask(width: Int, height: Int) -> Frame {
    var pixels = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height { for x in 0..<width where (x - 12) * (x - 12) + (y - 9) * (y - 9) < 40 || (x > 28 && y > 20) { pixels[y * width + x] = 255 } }
    return Frame(width: width, height: height, layout: .gray8, pixels: pixels)
}

func readAll(_ reader: FrameReader) throws -> [Frame] {
    var frames: [Frame] = []
    while let frame = try reader.next() { frames.append(frame) }
    return frames
}
