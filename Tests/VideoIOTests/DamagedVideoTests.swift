import Foundation
import XCTest
import TestScratch
@testable import VideoIO
import AtomicFile

/// H.264 and MPEG-4 files damaged at test time (cut, flipped bytes, scrambled, empty, text): the reader decodes the
/// frames before the damage, then stops with one VideoIOError naming the file; never a trap, never a long read.
final class DamagedVideoTests: XCTestCase {
    /// Reads `path` to the end: the frames decoded and the error that stopped it (nil: it read to the end).
    private func read(_ path: String, threads: Int = 0, packetLimit: Int? = nil) -> (frames: Int, error: VideoIOError?, seconds: Double) {
        let start = Date()
        var frames = 0
        do {
            let reader = try FrameReader(path: path, threads: threads)
            if let packetLimit { reader.maximumPacketsWithoutFrame = packetLimit }
            while try reader.next() != nil { frames += 1 }
            return (frames, nil, Date().timeIntervalSince(start))
        } catch let error as VideoIOError {
            return (frames, error, Date().timeIntervalSince(start))
        } catch {
            XCTFail("not a VideoIOError: \(error)")
            return (frames, nil, Date().timeIntervalSince(start))
        }
    }

    private func assertOneLine(_ error: VideoIOError?, naming path: String, containing texts: [String],
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let error else { return XCTFail("\(path): no error", file: file, line: line) }
        XCTAssertEqual(error.path, path, file: file, line: line)
        XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description, file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), error.description, file: file, line: line)
        XCTAssertTrue(texts.contains { error.message.contains($0) }, error.description, file: file, line: line)
    }

    func testDamagedH264AndMPEG4Files() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        for codec in [VideoWriter.Codec.h264, .mpeg4] {
            let name = codec == .h264 ? "h264" : "mpeg4"
            let whole = try DamagedVideos.writeClip(to: folder + "/\(name).mp4", codec: codec, frames: 40)
            let info = try FrameReader(path: whole).info
            XCTAssertEqual(info.codec, codec == .h264 ? "h264" : "mpeg4")
            XCTAssertEqual(read(whole).frames, 40)
            XCTAssertNil(read(whole).error)

            // Cut recordings: what lies before the cut decodes, then one error; the later the cut, the more frames.
            var decodedBefore = -1
            for fraction in [0.3, 0.5, 0.75, 0.99] {
                let path = folder + "/\(name)-cut\(Int(fraction * 100)).mp4"
                try DamagedVideos.damage(whole, .truncated(fraction: fraction), to: path)
                let r = read(path)
                assertOneLine(r.error, naming: path, containing: ["truncated or corrupt"])
                XCTAssertLessThan(r.frames, 40, "\(path)")
                XCTAssertGreaterThanOrEqual(r.frames, decodedBefore, "\(path): a later cut keeps at least as many frames")
                XCTAssertLessThan(r.seconds, 10, "\(path)")
                decodedBefore = r.frames
            }
            XCTAssertGreaterThan(decodedBefore, 20, "the frames before a cut at 99 % decode")
            // A cut inside the index (written first): the file does not open.
            let head = folder + "/\(name)-cut2.mp4"
            try DamagedVideos.damage(whole, .truncated(fraction: 0.02), to: head)
            assertOneLine(read(head).error, naming: head, containing: ["cannot open", "cannot read stream information", "no decodable video stream", "truncated or corrupt"])

            // Scrambled data: the decoder either refuses it (one error) or conceals it (every frame comes out):
            // never a trap or a hang, never fewer frames without an error.
            for (label, damage) in [("flip16", DamagedVideos.Damage.flippedInTheMiddle(count: 16)), ("scrambled2", .scrambled(share: 0.02, seed: 1)),
                                    ("scrambled30", .scrambled(share: 0.3, seed: 2))] {
                let path = folder + "/\(name)-\(label).mp4"
                try DamagedVideos.damage(whole, damage, to: path)
                let r = read(path)
                if let error = r.error {
                    assertOneLine(error, naming: path, containing: ["truncated or corrupt", "decoding failed", "reading failed", "cannot open", "cannot read"])
                } else {
                    XCTAssertEqual(r.frames, 40, "\(path): read to the end without an error, so every frame")
                }
                XCTAssertLessThan(r.seconds, 10, "\(path)")
            }
        }
        let empty = folder + "/empty.mp4", text = folder + "/text.mp4"
        try DamagedVideos.damage(folder + "/h264.mp4", .empty, to: empty)
        try DamagedVideos.damage(folder + "/h264.mp4", .text, to: text)
        XCTAssertEqual(read(empty).error?.description, "\(empty): empty file (0 bytes)")
        assertOneLine(read(text).error, naming: text, containing: ["cannot open"])
        // For the table in docs/reliability.md: SSMTL_DAMAGED_VIDEOS_OUT=folder keeps a copy of the files.
        if let keep = ProcessInfo.processInfo.environment["SSMTL_DAMAGED_VIDEOS_OUT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: folder, toPath: keep)
        }
    }

    /// Packets that give no frame, more than the bound in a row, end the read with one line (a damaged file is not
    /// read to its end first). Shown with the bound lowered to 1: H.264 with two decoder threads holds back the first frame.
    func testPacketsWithoutFramesAreBounded() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        let h264 = try DamagedVideos.writeClip(to: folder + "/h264.mp4", codec: .h264, frames: 12)
        let bounded = read(h264, threads: 2, packetLimit: 1)
        assertOneLine(bounded.error, naming: h264, containing: ["no frame from 2 packets in a row after 0 frames"])
        XCTAssertEqual(bounded.frames, 0)
        // The default bound lets the same file through, and MPEG-4 without B-frames or threads gives a frame per packet.
        XCTAssertEqual(read(h264, threads: 2).frames, 12)
        XCTAssertNil(read(h264, threads: 2).error)
        let mpeg4 = try DamagedVideos.writeClip(to: folder + "/mpeg4.mp4", codec: .mpeg4, frames: 12)
        XCTAssertNil(read(mpeg4, threads: 1, packetLimit: 1).error)
        XCTAssertEqual(try FrameReader(path: h264).maximumPacketsWithoutFrame, 1500, "a minute at 25 fps")
    }
}

/// The temporaries a killed run leaves (`.<name>.tmp-<pid>@<host>`) are removed by the next run in the folder, but only
/// those of ended processes of this host.
final class LeftTemporaryTests: XCTestCase {
    func testOnlyTheTemporariesOfEndedProcessesOfThisHostAreRemoved() throws {
        let folder = try makeScratchFolder("ssmtl-tests")
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ended.processIdentifier, alive = ProcessInfo.processInfo.processIdentifier
        let host = String(temporaryFileTag.split(separator: "@", maxSplits: 1)[1])
        let names = [".a.csv.tmp-\(dead)@\(host)", ".b.csv.tmp-\(alive)@\(host)", ".c.csv.tmp-\(dead)@not-\(host)",
                     ".d.tmp-\(dead)@\(host).mp4", "e.csv", ".f.csv.tmp-\(dead)", "g.tmp-\(dead)@\(host)x"]
        for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        XCTAssertEqual(removeTemporariesOfEndedProcesses(in: folder).sorted(), [".a.csv.tmp-\(dead)@\(host)", ".d.tmp-\(dead)@\(host).mp4"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       [".b.csv.tmp-\(alive)@\(host)", ".c.csv.tmp-\(dead)@not-\(host)", ".f.csv.tmp-\(dead)", "e.csv", "g.tmp-\(dead)@\(host)x"])
        XCTAssertTrue(temporaryFileTag.hasPrefix("tmp-\(alive)@"))
    }
}
