import XCTest
import TestScratch
@testable import Evaluation

final class GroundTruthTests: XCTestCase {
    func testPed2FrameRanges() throws {
        let text = """
        TestVideoFile = {};
        TestVideoFile{end+1}.gt_frame = [61:180];
        % a comment gt_frame = [1:2]
        TestVideoFile{end+1}.gt_frame = [1:3, 7:8];
        TestVideoFile{end+1}.gt_frame = [5:5 9];
        """
        let ranges = try Ped2GroundTruth.parseFrameRanges(text, path: "UCSDped2.m")
        XCTAssertEqual(ranges, [[61...180], [1...3, 7...8], [5...5, 9...9]])
        XCTAssertEqual(Ped2GroundTruth.labels(ranges: ranges[1], frameCount: 10), [1, 1, 1, 0, 0, 0, 1, 1, 0, 0])
        assertEvaluationError("UCSDped2.m: line 1") { _ = try Ped2GroundTruth.parseFrameRanges("x.gt_frame = [5:a];", path: "UCSDped2.m") }
        // A range past any video is refused before it is expanded (it once looped for minutes); one that ends past
        // this video's masks is clipped to them.
        assertEvaluationError("UCSDped2.m: line 1: frame 9000000000000000000 in '61:9000000000000000000' is beyond any video") {
            _ = try Ped2GroundTruth.parseFrameRanges("x.gt_frame = [61:9000000000000000000];", path: "UCSDped2.m")
        }
        XCTAssertEqual(Ped2GroundTruth.labels(ranges: [3...9_999_999], frameCount: 5), [0, 0, 1, 1, 1])
        XCTAssertEqual(Ped2GroundTruth.labels(ranges: [7...8], frameCount: 5), [0, 0, 0, 0, 0])
        // Overlapping ranges cost nothing extra (2000 copies of one range once took minutes), and the total is bounded.
        let copies = "x.gt_frame = [" + Array(repeating: "1:5000000", count: 2000).joined(separator: ", ") + "];"
        let many = try Ped2GroundTruth.parseFrameRanges(copies, path: "UCSDped2.m")
        XCTAssertEqual(Ped2GroundTruth.labels(ranges: many[0], frameCount: nil).count, 5_000_000)
        XCTAssertEqual(Ped2GroundTruth.labels(ranges: [2...4, 3...6, 9...9], frameCount: 10), [0, 1, 1, 1, 1, 1, 0, 0, 1, 0])
        assertEvaluationError("UCSDped2.m: the ranges reach 12000000 frames over all videos") {
            _ = try Ped2GroundTruth.parseFrameRanges("a.gt_frame = [1:6000000];\nb.gt_frame = [1:6000000];", path: "UCSDped2.m")
        }
    }

    /// Labels other than 0 and 1, track regions outside their video or with corners swapped, and a --tracks folder
    /// that does not exist are errors naming the file, not silently different metrics.
    func testGroundTruthValuesOutOfRangeAreErrors() throws {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try EvalPaths.write("0 0 1 2\n", to: root + "/labels/a.txt")
        assertEvaluationError("a.txt: '2' is not a 0/1 label") { _ = try GroundTruthLoader.load(path: root + "/labels", dataset: .generic, deriveRegions: false) }

        try EvalPaths.write("0 0 1 1\n", to: root + "/gt/a.txt")
        try EvalPaths.write("0,2,1,1,4,4\n0,9,1,1,4,4\n", to: root + "/gt/tracks/a.txt")
        assertEvaluationError("tracks/a.txt: a region at frame 9 is beyond the video's 4 labelled frames") {
            _ = try GroundTruthLoader.load(path: root + "/gt", dataset: .generic, deriveRegions: true)
        }
        assertEvaluationError("t.txt: line 1: x_max or y_max is below x_min or y_min") { _ = try TrackFile.parse("0,2,5,1,4,4\n", path: "t.txt") }
        try EvalPaths.write("2,1,1,4,4,0.5\n3,1,6,4,4,0.5\n", to: root + "/scores/a.regions.txt")
        assertEvaluationError("a.regions.txt: line 2: x_max or y_max is below x_min or y_min") { _ = try ScoreFileReader.readRegions(path: root + "/scores/a.regions.txt") }
        assertEvaluationError("missing: no such tracks folder (given with --tracks)") {
            _ = try GroundTruthLoader.load(path: root + "/gt", dataset: .generic, tracksDirectory: root + "/missing", deriveRegions: true)
        }
        assertEvaluationError("a.txt: is a file; --tracks takes the folder") {
            _ = try GroundTruthLoader.load(path: root + "/gt", dataset: .generic, tracksDirectory: root + "/gt/a.txt", deriveRegions: true)
        }
        // Ped2 labels without mask folders end at the last anomalous frame, so a later track region is no error.
        try EvalPaths.write("TestVideoFile{end+1}.gt_frame = [2:3];\n", to: root + "/ped2/UCSDped2.m")
        try EvalPaths.write("0,9,1,1,4,4\n", to: root + "/ped2tracks/Test001.txt")
        let ped2 = try GroundTruthLoader.load(path: root + "/ped2", dataset: .ped2, tracksDirectory: root + "/ped2tracks", deriveRegions: true)
        XCTAssertEqual(ped2.videos[0].labels, [0, 1, 1])
        XCTAssertEqual(ped2.videos[0].tracks?.first?.regions.map(\.frame), [9])

        try EvalPaths.write("0,2,1,1,4,4\n", to: root + "/gt/tracks/a.txt")
        let set = try GroundTruthLoader.load(path: root + "/gt", dataset: .generic, deriveRegions: true)
        XCTAssertEqual(set.videos[0].tracks?.first?.regions, [GroundTruthRegion(frame: 2, box: Box(x1: 1, y1: 1, x2: 4, y2: 4))])
    }

    func testTrackFileParsing() throws {
        let tracks = try TrackFile.parse("0,3,1,2,5,6\n0,4,1,2,5,7\n1,10,0,0,3,3\n\n", path: "t.txt")
        XCTAssertEqual(tracks.count, 2)
        XCTAssertEqual(tracks[0].regions.map(\.frame), [3, 4])
        XCTAssertEqual(tracks[1].regions[0].box, Box(x1: 0, y1: 0, x2: 3, y2: 3))
        assertEvaluationError("t.txt: line 2") { _ = try TrackFile.parse("0,3,1,2,5,6\n0,4,1,2\n", path: "t.txt") }
    }

    func testMaskComponentsAndTracks() {
        // Frame 0: a diagonal pair (one 8-connected component) at the top left and a dot at the right.
        // Frame 1: the left object moved by one pixel (overlaps), the dot gone, a new blob at the bottom.
        let w = 6, h = 4
        func mask(_ on: [(Int, Int)]) -> BinaryMask {
            var p = [UInt8](repeating: 0, count: w * h)
            for (x, y) in on { p[y * w + x] = 1 }
            return BinaryMask(width: w, height: h, pixels: p)
        }
        let m0 = mask([(0, 0), (1, 1), (5, 0)])
        let c = connectedComponents(m0)
        XCTAssertEqual(c.boxes, [Box(x1: 0, y1: 0, x2: 1, y2: 1), Box(x1: 5, y1: 0, x2: 5, y2: 0)])
        var builder = MaskTrackBuilder()
        builder.add(frame: 0, mask: m0)
        builder.add(frame: 1, mask: mask([(1, 1), (2, 2), (4, 3), (5, 3)]))
        builder.add(frame: 2, mask: mask([]))
        builder.add(frame: 3, mask: mask([(4, 3)]))  // after an empty frame: a new track
        let tracks = builder.tracks()
        XCTAssertEqual(tracks.count, 4)
        XCTAssertEqual(tracks[0].regions.map(\.frame), [0, 1])
        XCTAssertEqual(tracks[0].regions[1].box, Box(x1: 1, y1: 1, x2: 2, y2: 2))
        XCTAssertEqual(tracks[1].regions.map(\.frame), [0])
        XCTAssertEqual(tracks[2].regions.map(\.frame), [1])
        XCTAssertEqual(tracks[3].regions.map(\.frame), [3])
    }

    func testMatchKeys() {
        let ped2 = GroundTruthSet(dataset: .ped2, videos: [], regionSource: .unavailable)
        XCTAssertEqual(ped2.matchKey("01"), ped2.matchKey("Test001"))
        let avenue = GroundTruthSet(dataset: .avenue, videos: [], regionSource: .unavailable)
        XCTAssertEqual(avenue.matchKey("01"), avenue.matchKey("1_label"))
        XCTAssertNotEqual(avenue.matchKey("01"), avenue.matchKey("11_label"))
        let sh = GroundTruthSet(dataset: .shanghaitech, videos: [], regionSource: .unavailable)
        XCTAssertEqual(sh.matchKey("01_0014"), "01_0014")
    }
}

final class TransposedMaskTests: XCTestCase {
    /// Column-major masks used as transposed pictures give the same regions and tracks as row-major ones.
    func testTransposedMasksGiveTheSameTracks() {
        let w = 7, h = 5
        var rng = SystemRandomNumberGenerator()
        var straight = MaskTrackBuilder(), transposed = MaskTrackBuilder()
        for frame in 0..<6 {
            var rowMajor = [UInt8](repeating: 0, count: w * h)
            for i in rowMajor.indices where Int.random(in: 0..<4, using: &rng) == 0 { rowMajor[i] = 1 }
            var columnMajor = [UInt8](repeating: 0, count: w * h)
            for y in 0..<h { for x in 0..<w { columnMajor[x * h + y] = rowMajor[y * w + x] } }
            straight.add(frame: frame, mask: BinaryMask(width: w, height: h, pixels: rowMajor))
            transposed.add(frame: frame, mask: BinaryMask(width: h, height: w, pixels: columnMajor), transposed: true)
        }
        func canonical(_ tracks: [GroundTruthTrack]) -> [[String]] {
            tracks.map { $0.regions.map { "\($0.frame):\($0.box.x1),\($0.box.y1),\($0.box.x2),\($0.box.y2)" }.sorted() }.sorted { $0.description < $1.description }
        }
        XCTAssertEqual(canonical(straight.tracks()), canonical(transposed.tracks()))
    }
}

final class PixelMaskGroundTruthTests: XCTestCase {
    /// Fixture `sht`: 4 frames; object A in frames 1 (rows/cols 1-2) and 2 (rows/cols 2-3), overlapping -> one track;
    /// a one-pixel region at (x 7, y 0) in frame 2 -> a second track.
    func testShanghaiTechLayoutWithoutTracksUsesPixelMasks() throws {
        let set = try GroundTruthLoader.load(path: EvalPaths.fixture("sht"), dataset: .auto, deriveRegions: true)
        XCTAssertEqual(set.dataset, .shanghaitech)
        XCTAssertEqual(set.regionSource, .pixelMasks)
        XCTAssertEqual(set.videos.map(\.labels), [[0, 1, 1, 0]])
        let tracks = try XCTUnwrap(set.videos[0].tracks)
        XCTAssertEqual(tracks.count, 2)
        XCTAssertEqual(tracks[0].regions, [GroundTruthRegion(frame: 1, box: Box(x1: 1, y1: 1, x2: 2, y2: 2)),
                                           GroundTruthRegion(frame: 2, box: Box(x1: 2, y1: 2, x2: 3, y2: 3))])
        XCTAssertEqual(tracks[1].regions, [GroundTruthRegion(frame: 2, box: Box(x1: 7, y1: 0, x2: 7, y2: 0))])
    }
}
