import AtomicFile
import Evaluation
import Foundation
import VideoIO

/// What `ssmtl report` is asked for.
public struct ReportOptions: Sendable {
    /// The folder `ssmtl score` wrote: `<video>.csv`, optional `<video>.events.csv` and `events.json`.
    public var scoresDirectory: String
    /// Where the scored videos are, for the events' pictures (`discoverVideos` inputs); empty = no pictures.
    public var videoInputs: [String] = []
    /// Ground truth, as `ssmtl eval --gt` takes it; nil = no metrics and no ground-truth shading.
    public var groundTruth: String?
    public var dataset: DatasetKind = .auto
    /// The HTML file to write.
    public var output: String
    /// Thumbnails are scaled down to this width when the video is wider.
    public var thumbnailWidth = 320

    public init(scoresDirectory: String, output: String) { self.scoresDirectory = scoresDirectory; self.output = output }
}

/// One scored video as the report shows it.
public struct ReportVideo: Sendable {
    public var name: String
    public var scores: [Double]
    /// nil when the folder has no `<video>.events.csv`.
    public var events: [ScoredEvent]?
    public var eventsPath: String
    /// From the ground truth, when given.
    public var labels: [UInt8]?
    public var auc: Double?
}

public struct ReportSummary: Sendable {
    public var videos: Int
    public var frames: Int
    public var events: Int
    /// Events shown with their peak frame (all the events of the videos found among the inputs).
    public var picturedEvents: Int
}

/// Builds the report: one self-contained HTML page for reviewing a folder of scores.
public enum ScoreReport {
    /// Reads and checks everything that is cheap first (score files, events, settings, ground truth, that every video
    /// with events is among the inputs), then decodes the videos one at a time, writing each section as it is done
    /// into a temporary file renamed at the end: a failure leaves no report. `progress` gets one line per video.
    public static func write(_ options: ReportOptions, progress: (String) -> Void = { _ in }) throws -> ReportSummary {
        var videos = try readScores(options.scoresDirectory)
        let settingsPath = options.scoresDirectory + "/" + EventSettings.fileName
        let settings = FileManager.default.fileExists(atPath: settingsPath) ? try EventSettings.read(path: settingsPath) : nil
        var evaluation: EvaluationReport?
        if let gt = options.groundTruth {
            let set = try GroundTruthLoader.load(path: gt, dataset: options.dataset, deriveRegions: Evaluator.hasRegionFiles(options.scoresDirectory))
            // Like `eval --scored-only`: the report covers the scored videos; a note names any others.
            let outcome = try Evaluator.evaluate(scoresDirectory: options.scoresDirectory, groundTruth: set, groundTruthPath: gt,
                                                 padding: .on, scoredOnly: true)
            for (i, v) in outcome.report.videos.enumerated() {
                if let k = videos.firstIndex(where: { $0.name == v.name }) { videos[k].labels = outcome.labels[i]; videos[k].auc = v.auc }
            }
            evaluation = outcome.report
        }
        let sources = try videoSources(for: videos, inputs: options.videoInputs)

        let stream: AtomicFileStream
        do { stream = try AtomicFileStream(path: options.output) } catch { throw ReportError(options.output, "\(error)") }
        func append(_ text: String) throws {
            do { try stream.append(text) } catch { throw ReportError(options.output, "\(error)") }
        }
        let summary = ReportSummary(videos: videos.count, frames: videos.reduce(0) { $0 + $1.scores.count },
                                    events: videos.reduce(0) { $0 + ($1.events?.count ?? 0) }, picturedEvents: 0)
        try append(ReportPage.head(title: "ssmtl report: \(options.scoresDirectory)"))
        try append(summaryHTML(videos, summary: summary, settings: settings, evaluation: evaluation, options: options))
        var picturedEvents = 0
        for (i, video) in videos.enumerated() {
            var pictures: [Int: EventPictures]?
            if let source = sources[video.name], let events = video.events, !events.isEmpty {
                pictures = try EventThumbnails.make(video: source, events: events, maxWidth: options.thumbnailWidth, eventsPath: video.eventsPath)
                picturedEvents += pictures?.count ?? 0
            }
            let chart = Plots.scoreCurveSVG(title: "Frame scores of \(video.name)", scores: video.scores, labels: video.labels,
                                            events: (video.events ?? []).map { $0.startFrame...$0.endFrame },
                                            threshold: settings.map(\.threshold).map { .init(value: $0, label: "threshold \(ReportPage.score($0))") })
            try append(ReportPage.section(video, anchor: "video-\(i + 1)", chart: chart.render(), pictures: pictures))
            progress("report: \(video.name): \(video.scores.count) frames, \(video.events?.count ?? 0) events"
                + (pictures.map { ", \($0.count) pictured" } ?? ""))
        }
        try append(ReportPage.end)
        do { try stream.commit() } catch { throw ReportError(options.output, "\(error)") }
        var done = summary
        done.picturedEvents = picturedEvents
        return done
    }

    /// Every `<video>.csv` of the folder in natural name order, with its events file when there is one.
    static func readScores(_ directory: String) throws -> [ReportVideo] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw ReportError(directory, FileManager.default.fileExists(atPath: directory) ? "cannot list the scores folder" : "no such folder")
        }
        let stems = names.filter(ScoreFileReader.isFrameScoreFile)
            .map { String($0.dropLast(4)) }.sorted(by: naturalLess)
        guard !stems.isEmpty else { throw ReportError(directory, "no <video>.csv score files (is it the --out folder of ssmtl score?)") }
        return try stems.map { stem in
            let scores: [Double]
            do { scores = try ScoreFileReader.readFrameScores(path: directory + "/" + stem + ".csv") } catch let error as EvaluationError {
                throw ReportError(error.path, error.message)
            }
            let eventsPath = directory + "/" + stem + EventFileFormat.suffix
            let events = FileManager.default.fileExists(atPath: eventsPath) ? try EventFile.read(path: eventsPath, frames: scores.count) : nil
            return ReportVideo(name: stem, scores: scores, events: events, eventsPath: eventsPath)
        }
    }

    /// The inputs' videos by name, checked before any decoding: every video with events must be among them (when
    /// inputs are given), so a long run does not fail at its last video.
    static func videoSources(for videos: [ReportVideo], inputs: [String]) throws -> [String: VideoSource] {
        guard !inputs.isEmpty else { return [:] }
        let found = try discoverVideos(inputs)
        let byName = Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for video in videos where !(video.events ?? []).isEmpty && byName[video.name] == nil {
            let shown = found.prefix(5).map(\.name).joined(separator: ", ") + (found.count > 5 ? " and \(found.count - 5) more" : "")
            throw ReportError(video.eventsPath, "no video named '\(video.name)' among the --videos inputs (they hold \(shown)); "
                + "its events need it for their pictures")
        }
        return byName
    }

    static func summaryHTML(_ videos: [ReportVideo], summary: ReportSummary, settings: EventSettings?, evaluation: EvaluationReport?,
                            options: ReportOptions) -> String {
        var html = "<div class=\"summary\">\n<h1>Anomaly scores: \(xmlEscaped((options.scoresDirectory as NSString).lastPathComponent))</h1>\n"
        var rows: [(String, String)] = [
            ("scores", options.scoresDirectory),
            ("videos", "\(summary.videos)"),
            ("frames", "\(summary.frames)"),
            ("events", "\(summary.events)"),
        ]
        if let s = settings {
            rows.append(("threshold", ReportPage.score(s.threshold) + " (\(s.thresholdSource))"))
            rows.append(("events cut with", "gaps under \(s.minimumGapFrames) frames joined; events of at least \(s.minimumEventFrames) frames; "
                         + "scores smoothed with σ = \(String(format: "%g", s.sigma)) frames"))
        } else {
            rows.append(("threshold", "none: the scores were written without a threshold (no events.json)"))
        }
        rows.append(("pictures", options.videoInputs.isEmpty ? "none (no --videos given)" : "the peak frame of each event and a close-up of its peak object, the box in red"))
        html += ReportPage.facts(rows)
        if let evaluation { html += ReportPage.metrics(evaluation) }
        html += "<h3>Videos</h3>\n<table>\n<thead><tr><th>video</th><th class=\"num\">frames</th><th class=\"num\">events</th>"
            + "<th class=\"num\">highest frame score</th>" + (evaluation == nil ? "" : "<th class=\"num\">frame AUC</th>") + "</tr></thead>\n<tbody>\n"
        for (i, v) in videos.enumerated() {
            html += "<tr><td><a href=\"#video-\(i + 1)\">\(xmlEscaped(v.name))</a></td><td class=\"num\">\(v.scores.count)</td>"
                + "<td class=\"num\">\(v.events.map { "\($0.count)" } ?? "–")</td><td class=\"num\">\(v.scores.max().map(ReportPage.score) ?? "–")</td>"
                + (evaluation == nil ? "" : "<td class=\"num\">\(ReportPage.percent(v.auc))</td>") + "</tr>\n"
        }
        html += "</tbody>\n</table>\n</div>\n"
        return html
    }
}
