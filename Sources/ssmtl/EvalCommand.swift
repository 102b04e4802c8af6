import ArgumentParser
import Evaluation
import Foundation
import VideoIO

extension DatasetKind: ExpressibleByArgument {}
extension MacroPadding: ExpressibleByArgument {}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate frame scores (micro/macro AUC) and region scores (RBDC/TBDC) against ground truth.",
        discussion: """
            Reads DIR/<video>.csv (header frame,score,...; one row per frame, 0-based) and, when present, \
            DIR/<video>.regions.txt (frame_id,x_min,y_min,x_max,y_max,anomaly_score). Ground-truth layouts: \
            ped2 (UCSDped2.m + TestNNN_gt masks), avenue (N_label.mat), shanghaitech (test_frame_mask/*.npy, \
            tracks/*.txt, test_pixel_mask/*.npy), generic (<video>.npy or <video>.txt frame labels).
            Score files are paired with the ground truth by name (Ped2 01 = Test001, Avenue 01 = 1_label.mat, \
            ShanghaiTech 01_0014 = 01_0014.npy), and the output names videos like the score files. Every \
            ground-truth video needs a score file unless --scored-only is given. Scores are compared as given \
            (no normalisation).
            """)

    @Option(help: ArgumentHelp("Folder of score files <video>.csv (and optional <video>.regions.txt).", valueName: "dir"))
    var scores: String

    @Option(help: ArgumentHelp("Ground truth: a dataset folder (or UCSDped2.m / the testing_label_mask folder).", valueName: "path"))
    var gt: String

    @Option(help: "Ground-truth layout: ped2, avenue, shanghaitech, generic or auto (recognised from the files).")
    var dataset: DatasetKind = .auto

    @Option(help: ArgumentHelp("Track files <video>.txt (track_id,frame_idx,x_min,y_min,x_max,y_max) for RBDC/TBDC; overrides the dataset's own tracks and the tracks derived from pixel masks.", valueName: "dir"))
    var tracks: String?

    @Option(help: ArgumentHelp("Write the results as JSON to this file (atomically).", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Write charts (ROC, RBDR/TBDR vs FPR, per-video scores) into this folder, each as PNG and as SVG (sharp at any size).", valueName: "dir"))
    var plots: String?

    @Option(help: "Macro AUC padding: 'on' adds a normal frame scored 0 and an anomalous frame scored 1 to every video (SSMTL authors' convention), 'off' scores videos as they are.")
    var macroPadding: MacroPadding = .on

    @Flag(help: "Evaluate only the ground-truth videos that have a <video>.csv score file: the others are left out of every metric (AUCs, RBDC/TBDC, frame counts) and named in a note and in the JSON's leftOutVideos. Otherwise a ground-truth video with no score file is an error.")
    var scoredOnly = false

    @Flag(help: "Print only the table (no notes on stderr).")
    var quiet = false

    func run() throws {
        let started = Date()
        let needRegions = Evaluator.hasRegionFiles(scores)
        let set = try GroundTruthLoader.load(path: gt, dataset: dataset, tracksDirectory: tracks, deriveRegions: needRegions)
        let outcome = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: macroPadding,
                                             scoredOnly: scoredOnly)
        let report = outcome.report
        print(EvalTable.render(report))
        for note in report.notes { Terminal.note("eval: note: \(note)", quiet: quiet) }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let folder = (json as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try writeFileAtomically(try encoder.encode(report), to: json)
            Terminal.note("eval: wrote \(json)", quiet: quiet)
        }
        if let plots {
            let files = try Plots.writeAll(outcome, to: plots)
            Terminal.note("eval: wrote \(files.count) charts to \(plots)", quiet: quiet)
        }
        Terminal.note(String(format: "eval: %d videos, %d frames in %.2f s", report.videos.count, report.frames, Date().timeIntervalSince(started)), quiet: quiet)
    }
}

/// The text table of `ssmtl eval`.
enum EvalTable {
    static func percent(_ v: Double?) -> String { v.map { String(format: "%.2f", 100 * $0) } ?? "n/a" }

    /// "21", or "3 of 21" when videos without a score file were left out, so a partial result reads as one.
    static func videoCount(_ r: EvaluationReport) -> String {
        r.leftOutVideos.isEmpty ? "\(r.videos.count)" : "\(r.videos.count) of \(r.videos.count + r.leftOutVideos.count)"
    }

    static func render(_ r: EvaluationReport) -> String {
        var lines: [String] = []
        lines.append("dataset: \(r.dataset)   videos: \(videoCount(r))   frames: \(r.frames) (\(r.anomalousFrames) anomalous)")
        lines.append("")
        lines.append("metric      value (%)")
        lines.append("micro AUC   \(percent(r.microAUC))")
        lines.append("macro AUC   \(percent(r.macroAUC))   (padding \(r.macroPadding))")
        lines.append("RBDC        \(percent(r.rbdc))")
        lines.append("TBDC        \(percent(r.tbdc))")
        if r.rbdc != nil {
            lines.append("regions/tracks: \(r.regionSource); \(r.groundTruthRegions ?? 0) regions, \(r.groundTruthTracks ?? 0) tracks, \(r.regionPredictions ?? 0) predictions")
        } else {
            lines.append("RBDC/TBDC: not computed (\(r.regionSource == RegionSource.unavailable.rawValue ? "no <video>.regions.txt files or no ground-truth regions" : r.regionSource))")
        }
        if !r.columnAUCs.isEmpty {
            lines.append("")
            lines.append("column alone   micro AUC   macro AUC")
            for c in r.columnAUCs {
                lines.append(c.column.padding(toLength: 13, withPad: " ", startingAt: 0) + "  "
                    + percent(c.microAUC).padding(toLength: 10, withPad: " ", startingAt: 0) + "  " + percent(c.macroAUC))
            }
        }
        lines.append("")
        let width = max(5, r.videos.map(\.name.count).max() ?? 5)
        lines.append("video".padding(toLength: width, withPad: " ", startingAt: 0) + "  frames  anomalous  AUC (%)  micro AUC of the others (%)")
        for v in r.videos {
            lines.append(v.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "  %6d  %9d  ", v.frames, v.anomalousFrames) + percent(v.auc).padding(toLength: 7, withPad: " ", startingAt: 0)
                + "  " + percent(v.microAUCWithout))
        }
        return lines.joined(separator: "\n")
    }
}
