import Evaluation
import Foundation

/// The HTML of the report, piece by piece (head, summary, one section per video, end), so that it can be written
/// as it is made. Plain HTML and CSS written as well-formed XML (every element closed, text escaped): no script,
/// no external file, and a test can parse it.
enum ReportPage {
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(xmlEscaped(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>

        """
    }

    static let style = """
        body { margin: 0; background: #f3f4f6; color: #16181d; font: 16px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 48px; }
        h1 { font-size: 26px; margin: 8px 0 4px; }
        h2 { font-size: 21px; margin: 0 0 6px; }
        h3 { font-size: 17px; margin: 18px 0 6px; }
        p { margin: 6px 0; }
        .muted { color: #4b5260; }
        section, .summary { background: #ffffff; border: 1px solid #d5d9e0; border-radius: 6px; padding: 16px 20px; margin: 18px 0; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border-bottom: 1px solid #dde1e7; padding: 6px 14px 6px 0; text-align: left; vertical-align: top; }
        th { font-size: 14px; color: #39404d; font-weight: bold; border-bottom: 2px solid #b9c0cc; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.events th, table.events td.num, table.events td.span { white-space: nowrap; }
        table.facts th { border-bottom: 1px solid #dde1e7; font-size: 16px; padding-right: 24px; }
        table.events td { font-size: 15px; }
        svg.chart { display: block; width: 100%; max-width: 1100px; height: auto; }
        .pictures { display: flex; gap: 8px; align-items: flex-start; }
        img.thumb { display: block; max-width: 320px; height: auto; border: 1px solid #9aa3b0; }
        img.closeup { display: block; width: auto; height: 130px; max-width: 200px; object-fit: contain; border: 1px solid #9aa3b0; background: #222; }
        .none { color: #4b5260; font-style: italic; }
        .note { background: #fff7e0; border-left: 4px solid #e0a800; padding: 6px 10px; }
        a { color: #0b57c2; }
        """

    static let end = "</main>\n</body>\n</html>\n"

    /// A table of label-value rows.
    static func facts(_ rows: [(String, String)]) -> String {
        "<table class=\"facts\">\n" + rows.map { "<tr><th>\(xmlEscaped($0.0))</th><td>\(xmlEscaped($0.1))</td></tr>\n" }.joined() + "</table>\n"
    }

    /// `1:02.48` (minutes, seconds with two decimals) or `1:02:03.48` past an hour: how an operator finds the moment
    /// in a player.
    static func clock(_ seconds: Double) -> String {
        let hundredths = Int((max(0, seconds) * 100).rounded())
        let h = hundredths / 360_000, m = hundredths / 6000 % 60, s = Double(hundredths % 6000) / 100
        return h > 0 ? String(format: "%d:%02d:%05.2f", h, m, s) : String(format: "%d:%05.2f", m, s)
    }

    static func score(_ value: Double) -> String { String(format: "%.3f", value) }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f %%", 100 * $0) } ?? "n/a" }

    /// The evaluation's metrics as `ssmtl eval` prints them.
    static func metrics(_ r: EvaluationReport) -> String {
        var html = "<h3>Against the ground truth</h3>\n"
        var rows: [(String, String)] = [
            ("dataset", r.dataset + " (" + r.groundTruth + ")"),
            ("frames", "\(r.frames), of which \(r.anomalousFrames) anomalous"),
            ("micro AUC", percent(r.microAUC)),
            ("macro AUC", percent(r.macroAUC) + " (padding \(r.macroPadding))"),
        ]
        if r.rbdc == nil {
            rows.append(("RBDC/TBDC", "not computed: no <video>.regions.txt files or no ground-truth regions"))
        } else {
            rows += [("RBDC", percent(r.rbdc)), ("TBDC", percent(r.tbdc))]
        }
        html += facts(rows)
        for note in r.notes { html += "<p class=\"note\">\(xmlEscaped(note))</p>\n" }
        return html
    }

    /// One video's section: title, facts, the score chart, the events table.
    static func section(_ video: ReportVideo, anchor: String, chart: String, pictures: [Int: EventPictures]?) -> String {
        var html = "<section id=\"\(anchor)\">\n<h2>\(xmlEscaped(video.name))</h2>\n"
        var facts = "\(video.scores.count) frames"
        if let peak = video.scores.max() { facts += ", highest frame score \(score(peak))" }
        if let auc = video.auc { facts += ", frame AUC \(percent(auc))" }
        html += "<p class=\"muted\">\(xmlEscaped(facts))</p>\n"
        html += chart
        guard let events = video.events else {
            html += "<p class=\"none\">No events file (\(xmlEscaped(video.name)).events.csv): the scores were written without a threshold.</p>\n</section>\n"
            return html
        }
        guard !events.isEmpty else {
            html += "<p class=\"none\">No events: no frame score rose above the threshold for long enough.</p>\n</section>\n"
            return html
        }
        html += "<h3>\(events.count) event\(events.count == 1 ? "" : "s"), highest peak first</h3>\n"
        html += "<table class=\"events\">\n<thead><tr><th class=\"num\">rank</th><th>peak frame</th><th>frames<br/>time</th>"
            + "<th class=\"num\">length</th><th class=\"num\">peak score</th><th class=\"num\">mean score</th><th>box<br/>(x, y … x, y)</th></tr></thead>\n<tbody>\n"
        for e in events {
            html += "<tr>"
            html += "<td class=\"num\">\(e.rank)</td>"
            if let pictures = pictures?[e.rank] {
                html += "<td><div class=\"pictures\"><img class=\"thumb\" alt=\"frame \(e.peakFrame) of \(xmlEscaped(video.name))\" src=\"data:image/jpeg;base64,\(pictures.frame.base64EncodedString())\"/>"
                if let closeUp = pictures.closeUp {
                    html += "<img class=\"closeup\" alt=\"the peak object, close up\" src=\"data:image/jpeg;base64,\(closeUp.base64EncodedString())\"/>"
                }
                html += "</div>frame \(e.peakFrame) at \(clock(e.peakTime))</td>"
            } else {
                html += "<td>frame \(e.peakFrame) at \(clock(e.peakTime))</td>"
            }
            html += "<td class=\"span\">\(e.startFrame)–\(e.endFrame)<br/>\(clock(e.startTime))–\(clock(e.endTime))</td>"
            let frames = e.endFrame - e.startFrame + 1
            html += "<td class=\"num\">" + (frames == 1 ? "1 frame" : "\(frames) frames<br/>\(String(format: "%.2f", max(0, e.endTime - e.startTime))) s") + "</td>"
            html += "<td class=\"num\">\(score(e.peakScore))</td><td class=\"num\">\(score(e.meanScore))</td>"
            html += "<td>" + (e.box.map { "\($0.xMin), \($0.yMin) … \($0.xMax), \($0.yMax)" } ?? "<span class=\"none\">no object</span>") + "</td>"
            html += "</tr>\n"
        }
        html += "</tbody>\n</table>\n</section>\n"
        return html
    }
}
