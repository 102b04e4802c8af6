import Evaluation
import Foundation
import XCTest
import TestScratch
@testable import Reporting

/// `<video>.events.csv` and `events.json` read as `ssmtl score` writes them; anything else refused in one line that
/// names the file, the line and the field.
final class EventFileTests: XCTestCase {
    private func file(_ rows: [String], header: String = EventFileFormat.header) throws -> String {
        let path = try makeScratchFolder("ssmtl-events") + "/01.events.csv"
        try ScoredFolder.write(([header] + rows).joined(separator: "\n") + "\n", to: path)
        return path
    }

    private func assertRefused(_ rows: [String], frames: Int = 100, header: String = EventFileFormat.header, _ fragment: String,
                               line: UInt = #line) throws {
        let path = try file(rows, header: header)
        XCTAssertThrowsError(try EventFile.read(path: path, frames: frames), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": "), text, line: line)
            XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'", line: line)
            XCTAssertFalse(text.contains("\n"), line: line)
        }
    }

    func testRowsAreReadWithAndWithoutABox() throws {
        let path = try file(["1,35,45,1.400,1.800,40,1.600,5.2,4.6,100,50,180,120", "2,10,20,0.400,0.800,15,0.600,3.5,3.3,,,,"])
        let events = try EventFile.read(path: path, frames: 60)
        XCTAssertEqual(events, [
            ScoredEvent(rank: 1, startFrame: 35, endFrame: 45, startTime: 1.4, endTime: 1.8, peakFrame: 40, peakTime: 1.6,
                        peakScore: 5.2, meanScore: 4.6, box: EventBox(xMin: 100, yMin: 50, xMax: 180, yMax: 120)),
            ScoredEvent(rank: 2, startFrame: 10, endFrame: 20, startTime: 0.4, endTime: 0.8, peakFrame: 15, peakTime: 0.6,
                        peakScore: 3.5, meanScore: 3.3, box: nil),
        ])
        XCTAssertEqual(try EventFile.read(path: try file([]), frames: 60), [], "only the header: no events")
    }

    func testMalformedFilesAreRefusedNamingTheLineAndField() throws {
        try assertRefused([], header: "rank,start,end", "line 1: expected the header rank,start_frame")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5.2,4.6,100,50,180"], "line 2: 12 fields, expected 13")
        try assertRefused(["1,35,45,1.4,1.8,forty,1.6,5.2,4.6,,,,"], "line 2: peak_frame 'forty' is not a whole number ≥ 0")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,nan,4.6,,,,"], "line 2: peak_score 'nan' is not a finite number")
        try assertRefused(["1,-1,45,1.4,1.8,40,1.6,5,4.6,,,,"], "line 2: start_frame '-1' is not a whole number ≥ 0")
        try assertRefused(["1,35,45,1.4,1.8,50,1.6,5,4.6,,,,"], "line 2: peak frame 50 outside the event's frames 35...45")
        try assertRefused(["1,35,45,1.4,1.8,40,2.6,5,4.6,,,,"], "line 2: peak time 2.6 outside the event's times 1.4...1.8")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5,4.6,100,,180,120"], "line 2: y_min '' is not a pixel coordinate")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5,4.6,100,50,80.5,120"], "line 2: x_max '80.5' is not a pixel coordinate")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5,4.6,100,50,80,120"], "line 2: box 100,50,80,120 has a minimum above its maximum")
        try assertRefused(["2,35,45,1.4,1.8,40,1.6,5,4.6,,,,"], "line 2: rank 2, expected 1")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5,4.6,,,,", "2,10,20,0.4,0.8,15,0.6,6,3,,,,"], "line 3: peak score 6.0 above rank 1's 5.0")
        try assertRefused(["1,35,45,1.4,1.8,40,1.6,5,4.6,,,,"], frames: 45, "line 2: event ends at frame 45, but the score file has 45 frames")
    }

    func testSettingsIgnoreUnknownKeysAndRefuseWrongTypes() throws {
        let folder = try makeScratchFolder("ssmtl-events")
        let path = folder + "/events.json"
        try ScoredFolder.write("{\"sigma\": 5, \"future\": {\"a\": 1}, \"threshold\": 2.75, \"min_gap_frames\": 10, "
                               + "\"threshold_source\": \"train: 0.5 %\", \"min_event_frames\": 5}", to: path)
        let expected = EventSettings(threshold: 2.75, thresholdSource: "train: 0.5 %", minimumGapFrames: 10, minimumEventFrames: 5, sigma: 5)
        XCTAssertEqual(try EventSettings.read(path: path), expected)
        // What the writer writes, the reader reads back.
        try expected.write(to: path)
        XCTAssertEqual(try EventSettings.read(path: path), expected)
        let complete = "\"threshold_source\": \"s\", \"min_gap_frames\": 10, \"min_event_frames\": 5"
        for (text, fragment) in [("{\"threshold\": \"high\", \(complete), \"sigma\": 1}", "threshold has the wrong type"),
                                 ("[1, 2]", "not a JSON object"), ("{\"threshold\": 2", "not a JSON object"),
                                 ("{}", "threshold is missing"),
                                 ("{\"threshold\": 2, \(complete)}", "sigma is missing"),
                                 ("{\"threshold\": 2, \"threshold_source\": \"s\", \"min_gap_frames\": -3, \"min_event_frames\": 5, \"sigma\": 1}",
                                  "min_gap_frames is negative"),
                                 ("{\"threshold\": true, \(complete), \"sigma\": 1}", "threshold has the wrong type"),
                                 ("{\"threshold\": null, \(complete), \"sigma\": 1}", "threshold is null")] {
            try ScoredFolder.write(text, to: path)
            XCTAssertThrowsError(try EventSettings.read(path: path), text) { error in
                XCTAssertEqual("\(error)", "\(path): \(fragment)", text)
            }
        }
    }
}
