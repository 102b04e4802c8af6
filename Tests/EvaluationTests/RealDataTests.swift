import XCTest
@testable import Evaluation

/// The real ground truth in ../shared/datasets (skipped when absent).
final class RealDataTests: XCTestCase {
    func testAvenueMatFilesLoad() throws {
        let path = try EvalPaths.dataset("avenue/ground_truth_demo/testing_label_mask")
        let set = try GroundTruthLoader.load(path: path, dataset: .auto, deriveRegions: false)
        XCTAssertEqual(set.dataset, .avenue)
        XCTAssertEqual(set.videos.count, 21)
        XCTAssertEqual(set.videos.reduce(0) { $0 + $1.labels.count }, 15_324)
        XCTAssertEqual(set.videos.reduce(0) { $0 + $1.labels.filter { $0 != 0 }.count }, 3_712)
        for n in [8, 18] {
            let video = set.videos.first { $0.name == "\(n)_label" }!
            XCTAssertFalse(video.labels.contains(0), "Avenue \(n) is anomalous in every frame")
        }
    }

    func testShanghaiTechTracksAndFrameMasksLoad() throws {
        let path = try EvalPaths.dataset("shanghaitech")
        let set = try GroundTruthLoader.load(path: path, dataset: .auto, deriveRegions: true)
        XCTAssertEqual(set.dataset, .shanghaitech)
        XCTAssertEqual(set.regionSource, .trackFiles)
        XCTAssertEqual(set.videos.count, 107)
        XCTAssertEqual(set.videos.reduce(0) { $0 + $1.labels.count }, 40_791)
        XCTAssertEqual(set.videos.reduce(0) { $0 + $1.labels.filter { $0 != 0 }.count }, 17_326)
        let tracks = set.videos.flatMap { $0.tracks ?? [] }
        XCTAssertEqual(tracks.count, 158)
        XCTAssertEqual(tracks.reduce(0) { $0 + $1.regions.count }, 18_937)
        // Every annotated box lies inside its video.
        for video in set.videos {
            for region in (video.tracks ?? []).flatMap(\.regions) { XCTAssertLessThan(region.frame, video.labels.count, video.name) }
        }
    }

    func testPed2MasksAgreeWithFrameRanges() throws {
        let path = try EvalPaths.dataset("ped2/gt")
        let (set, maskLabels) = try Ped2GroundTruth.load(path: path, deriveRegions: false, checkMasks: true)
        XCTAssertEqual(set.videos.count, 12)
        XCTAssertEqual(set.videos.reduce(0) { $0 + $1.labels.count }, 2_010)
        let fromMasks = try XCTUnwrap(maskLabels)
        XCTAssertEqual(fromMasks.count, 12)
        for (video, masks) in zip(set.videos, fromMasks) { XCTAssertEqual(video.labels, masks, video.name) }
        XCTAssertEqual(fromMasks.reduce(0) { $0 + $1.filter { $0 != 0 }.count }, 1_648)
    }
}
