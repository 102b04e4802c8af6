import Foundation
import XCTest
import TestScratch
@testable import SyntheticData
import VideoIO

final class SyntheticDatasetTests: XCTestCase {
    private func makeDataset(seed: UInt64) throws -> (String, SyntheticDataset.Summary) {
        let dir = try makeScratchFolder("ssmtl-synth")
        var dataset = SyntheticDataset()
        dataset.seed = seed
        dataset.trainingVideos = 1
        dataset.testVideos = 4
        dataset.framesPerVideo = 60
        let summary = try dataset.write(to: dir)
        return (dir, summary)
    }

    /// Reads a .npy written by NPYWriter: checks the header and returns (descr, shape, body).
    private func readNPY(_ path: String) throws -> (String, String, Data) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + length) % 64, 0, "header padded to 64 bytes")
        let header = String(decoding: data[10..<(10 + length)], as: UTF8.self)
        XCTAssertTrue(header.hasSuffix("\n"))
        let descr = header.components(separatedBy: "'descr': '")[1].components(separatedBy: "'")[0]
        let shape = header.components(separatedBy: "'shape': ")[1].components(separatedBy: ")")[0] + ")"
        return (descr, shape, data.suffix(from: 10 + length))
    }

    func testLayoutAndGroundTruthAgree() throws {
        let (dir, summary) = try makeDataset(seed: 3)
        XCTAssertEqual(summary.trainingFrames, 60)
        XCTAssertEqual(summary.testFrames, 240)
        XCTAssertEqual(summary.tracks, 4, "one anomaly per test video")
        XCTAssertTrue(summary.anomalousFrames > 0 && summary.anomalousFrames < 240)

        let train = try FrameReader(path: dir + "/training/videos/train_01.mp4")
        XCTAssertEqual(try train.countByDecoding(), 60)
        var anomalous = 0
        for v in 1...4 {
            let name = String(format: "test_%02d", v)
            let (labelType, labelShape, labels) = try readNPY(dir + "/test_frame_mask/\(name).npy")
            XCTAssertEqual(labelType, "<i8")
            XCTAssertEqual(labelShape, "(60,)")
            let frameLabels = stride(from: 0, to: labels.count, by: 8).map { labels[labels.startIndex + $0] }
            let (maskType, maskShape, masks) = try readNPY(dir + "/test_pixel_mask/\(name).npy")
            XCTAssertEqual(maskType, "|u1")
            XCTAssertEqual(maskShape, "(60, 128, 192)")
            let plane = 128 * 192
            // A frame is anomalous exactly when its pixel mask is not empty.
            for f in 0..<60 {
                let maskSum = masks[(masks.startIndex + f * plane)..<(masks.startIndex + (f + 1) * plane)].reduce(0) { $0 + Int($1) }
                XCTAssertEqual(frameLabels[f] == 1, maskSum > 0, "\(name) frame \(f)")
            }
            anomalous += frameLabels.filter { $0 == 1 }.count
            // Every track box encloses mask pixels of its frame and lies inside the frame.
            let rows = try String(contentsOfFile: dir + "/tracks/\(name).txt", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(rows.count, frameLabels.filter { $0 == 1 }.count, "one track, one box per anomalous frame")
            for row in rows {
                let v = row.split(separator: ",").map { Int($0)! }
                XCTAssertEqual(v[0], 0)
                XCTAssertTrue(v[2] >= 0 && v[3] >= 0 && v[2] <= v[4] && v[3] <= v[5] && v[4] < 192 && v[5] < 128, "\(row)")
                XCTAssertEqual(masks[masks.startIndex + v[1] * plane + v[3] * 192 + v[2]...masks.startIndex + v[1] * plane + v[5] * 192 + v[4]].contains(1), true)
            }
            XCTAssertEqual(try FrameReader(path: dir + "/testing/videos/\(name).mp4").countByDecoding(), 60)
        }
        XCTAssertEqual(anomalous, summary.anomalousFrames)
    }

    func testSameSeedSameData() throws {
        let (a, _) = try makeDataset(seed: 11)
        let (b, _) = try makeDataset(seed: 11)
        let (c, _) = try makeDataset(seed: 12)
        let tracks = { (dir: String) in try String(contentsOfFile: dir + "/tracks/test_01.txt", encoding: .utf8) }
        XCTAssertEqual(try tracks(a), try tracks(b))
        XCTAssertNotEqual(try tracks(a), try tracks(c))
        // The videos too, byte for byte (a multi-threaded encoder made them differ from run to run).
        for video in ["training/videos/train_01.mp4", "testing/videos/test_01.mp4"] {
            let bytes = { (dir: String) in try Data(contentsOf: URL(fileURLWithPath: dir + "/" + video)) }
            XCTAssertEqual(try bytes(a), try bytes(b), video)
        }
    }
}

