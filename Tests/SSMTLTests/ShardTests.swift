import SSMTL
import VideoIO
import XCTest

/// `--shard K/N`: N shards of any batch are disjoint, cover it, balance it, and do not depend on the order or the
/// paths the videos were found in; malformed specifications are refused naming the problem.
final class ShardTests: XCTestCase {
    private func videos(_ names: [String], under folder: String = "/data") -> [VideoSource] {
        names.map { VideoSource(name: $0, path: folder + "/" + $0, isFrameFolder: true) }
    }

    private func names(_ shard: String, _ all: [VideoSource]) throws -> [String] {
        try Shard(parsing: shard).videos(of: all).map(\.name)
    }

    func testTheRuleIsRoundRobinOverNamesSortedAsBytes() throws {
        let all = videos(["video0", "video1", "video2", "video3", "video4"])
        XCTAssertEqual(try names("0/3", all), ["video0", "video3"])
        XCTAssertEqual(try names("1/3", all), ["video1", "video4"])
        XCTAssertEqual(try names("2/3", all), ["video2"])
        XCTAssertEqual(try names("0/1", all), all.map(\.name))
        // Byte order, not natural order: video10 sorts before video2, capitals before lower case. Each shard keeps
        // the order it was given.
        let mixed = videos(["video2", "video10", "b", "A"])
        XCTAssertEqual(try names("0/2", mixed), ["video10", "A"])  // sorted: A, b, video10, video2
        XCTAssertEqual(try names("1/2", mixed), ["video2", "b"])
        // More shards than videos: the last ones are empty.
        XCTAssertEqual(try names("3/4", videos(["x", "y"])), [])
    }

    func testShardsPartitionAnyBatchWhateverItsOrderAndPaths() throws {
        var rng = SystemRandomNumberGenerator()
        for total in [0, 1, 2, 5, 12, 31] {
            let names = (0..<total).map { "v\(($0 * 7919) % 1000)-\($0)" }
            let here = videos(names, under: "/mnt/a")
            let elsewhere = videos(names.shuffled(using: &rng), under: "/scratch/other/place")
            for count in 1...7 {
                var seen: [String] = []
                var sizes: [Int] = []
                for index in 0..<count {
                    let shard = try Shard(index: index, count: count)
                    let mine = shard.videos(of: here).map(\.name)
                    XCTAssertEqual(Set(mine), Set(shard.videos(of: elsewhere).map(\.name)),
                                   "shard \(shard) of \(total) videos depends on the listing order or the paths")
                    seen += mine
                    sizes.append(mine.count)
                }
                XCTAssertEqual(seen.sorted(), names.sorted(), "\(count) shards of \(total) videos: each exactly once")
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "balanced: \(sizes)")
            }
        }
    }

    func testGoodSpecificationsAreRead() throws {
        XCTAssertEqual(try Shard(parsing: "0/1"), try Shard(index: 0, count: 1))
        XCTAssertEqual(try Shard(parsing: "2/3"), try Shard(index: 2, count: 3))
        XCTAssertEqual(try Shard(parsing: "07/10").description, "7/10")
    }

    func testMalformedSpecificationsNameTheProblem() {
        for (text, problem) in [("3", "expected K/N"), ("a/b", "K is not a whole number"), ("1/b", "N is not a whole number"),
                                ("1/0", "N must be at least 1"), ("-1/3", "K must be at least 0"), ("3/3", "K must be less than N"),
                                ("5/3", "0/3 to 2/3"), ("1/2/3", "expected K/N"), ("/3", "K is not a whole number"),
                                ("1/", "N is not a whole number"), (" 1/3", "K is not a whole number"), ("+1/3", "K is not a whole number"),
                                ("1/99999999999999999999", "N is too large"), ("", "expected K/N")] {
            XCTAssertThrowsError(try Shard(parsing: text), text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("'\(text)': ") && message.contains(problem), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            }
        }
        XCTAssertThrowsError(try Shard(index: 2, count: 2))
        XCTAssertThrowsError(try Shard(index: -1, count: 2))
        XCTAssertThrowsError(try Shard(index: 0, count: 0))
    }
}
