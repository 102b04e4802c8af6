import ArgumentParser
import AtomicFile
import Evaluation
import Foundation
import Reporting

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one HTML page for reviewing scored videos: score curves, ranked events with thumbnails, metrics.",
        discussion: """
            Reads the folder 'ssmtl score' wrote: DIR/<video>.csv (frame scores), DIR/<video>.events.csv (events, when \
            the scores have a threshold) and DIR/events.json (the threshold and where it came from). The page has a \
            summary (videos, frames, events, threshold), then one section per video in natural name order: its score \
            curve with the threshold line and the events shaded, and a table of its events, highest peak first. \
            The page is one file with no external assets and no script: charts are inline SVG, thumbnails embedded \
            JPEG. A video with events that is not among the --videos inputs is an error naming it (no thumbnail is \
            left out silently). The file appears whole or not at all.
            """)

    @Option(help: ArgumentHelp("The folder of score files (<video>.csv, <video>.events.csv, events.json) that 'ssmtl score' wrote.", valueName: "dir"))
    var scores: String

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("The scored videos (files, frame folders, or folders of those, as 'ssmtl score' takes them): each event's table row shows its peak frame and a close-up of the peak object, the box drawn. Without it the page has no pictures.", valueName: "input"))
    var videos: [String] = []

    @Option(help: ArgumentHelp("Ground truth, as 'ssmtl eval --gt' takes it: the page adds eval's metrics (micro/macro AUC, RBDC, TBDC) for the scored videos and shades the anomalous frames on each curve.", valueName: "path"))
    var gt: String?

    @Option(help: "The ground truth's layout: ped2, avenue, shanghaitech, generic or auto (recognised from the files).")
    var dataset: DatasetKind = .auto

    @Option(help: ArgumentHelp("The HTML file to write (its folder is created when missing).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("The thumbnails' largest width in pixels; wider videos are scaled down.", valueName: "pixels"))
    var thumbnailWidth = 320

    @Flag(help: "Prints nothing but errors (no line per video).")
    var quiet = false

    func validate() throws {
        guard (32...1920).contains(thumbnailWidth) else { throw ValidationError("--thumbnail-width must lie in 32...1920") }
        guard !out.isEmpty else { throw ValidationError("--out is an empty path") }
        if gt == nil && dataset != .auto { throw ValidationError("--dataset needs --gt") }
    }

    func run() throws {
        let started = Date()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CommandFailure("\(out): --out names a folder; give a file name such as \(out)/report.html")
        }
        let parent = (out as NSString).deletingLastPathComponent
        if !parent.isEmpty { try OutputPaths.makeFolder(parent, what: "the folder of --out") }
        var options = ReportOptions(scoresDirectory: scores, output: out)
        options.videoInputs = videos
        options.groundTruth = gt
        options.dataset = dataset
        options.thumbnailWidth = thumbnailWidth
        let summary = try ScoreReport.write(options) { Terminal.note($0, quiet: quiet) }
        Terminal.note(String(format: "report: wrote %@: %d videos, %d frames, %d events, %d pictured in %.1f s", out, summary.videos,
                             summary.frames, summary.events, summary.picturedEvents, Date().timeIntervalSince(started)), quiet: quiet)
    }
}
