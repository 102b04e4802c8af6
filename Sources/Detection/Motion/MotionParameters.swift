import VideoIO

/// Settings of the motion detector. Defaults chosen on the UCSD Ped2 *training* videos only (360x240 grey, static
/// camera): `Scripts/ped2_detection_recall.py train` scores how well the boxes (with the background pre-pass) cover
/// the objects an offline whole-video median background finds (|frame - median| > 15: walking pedestrians, also the
/// low-contrast ones far from the camera). Background/difference thresholds 40/25, 30/20, 25/15, 20/12, 15/10 gave
/// recall 0.919, 0.963, 0.980, 0.984, 0.975 at 6.1-6.7 boxes/frame; 20/12 was chosen. The component cut
/// (split area / valley): off, 60/0.3, 120/0.2, 120/0.3, 120/0.4, 200/0.3 gave 0.9919, 0.9986, 0.9988, 0.9988, 0.9981,
/// 0.9972 at 6.8-9.8 boxes/frame; 120/0.3 was chosen. Never tuned on test masks. The sizes are for 240-pixel-high
/// frames and scale with the frame height (`referenceHeight`).
public struct MotionParameters: Sendable, Equatable {
    /// |frame - background| above this (grey levels) is foreground.
    public var backgroundThreshold: Int = 20
    /// |frame - previous frame| above this (grey levels) is motion.
    public var frameDifferenceThreshold: Int = 12
    /// Running-median background: each frame moves every background pixel toward the frame by at most this many
    /// grey levels (a faster step during the first `warmupFrames` frames so the first frame's objects fade quickly).
    public var backgroundStep: Float = 0.5
    public var warmupStep: Float = 4
    public var warmupFrames: Int = 25
    /// Morphological opening radius (removes isolated noise pixels), then closing radius (joins the parts of one object).
    public var openRadius: Int = 1
    public var closeRadius: Int = 4
    /// A component is kept only if it holds at least this many frame-difference pixels (no ghosts of
    /// objects that left the background) and at least `minArea` foreground pixels.
    public var minMotionPixels: Int = 10
    public var minArea: Int = 40
    /// Minimum width and height of a box before padding.
    public var minSide: Int = 6
    /// Components the closing merged are cut back into objects along empty columns/rows of the pre-closing mask when
    /// each side keeps at least this many pixels (`ComponentSplit`); 0 = never split.
    public var splitMinPieceArea: Int = 120
    /// A column or row holding at most this fraction of the fullest one's pixels counts as empty for the cut.
    public var splitValley: Float = 0.3
    /// Pixels added on every side of a box (clamped to the frame).
    public var margin: Int = 4
    /// The frame height the sizes above are meant for (Ped2's 240). A taller frame, H pixels high, scales the closing
    /// radius, the smallest side and the margin by H / referenceHeight and the areas by its square, so that a person
    /// twice as tall in pixels is joined and cut as on Ped2. Smaller frames keep the sizes (the smallest box and the
    /// closing are already near the pixel scale there, and nothing measured smaller frames). 0 = the sizes in pixels
    /// as given, whatever the frame (models
    /// trained before detection step 1 of docs/experiments.md, which record no reference height). On the Avenue
    /// training videos (360 high) scaling took the boxes from 20.5 to 13.2 a frame and the people matched whole by one
    /// box from 16.1 % to 21.7 %; Ped2 is unchanged.
    public var referenceHeight: Int = 240
    /// Colour as well as grey levels: on RGB frames the background is kept per channel, and a pixel is also foreground
    /// (moving) when the largest of its three channels' differences exceeds `colourScale` times the background
    /// (frame-difference) threshold, so a person whose clothes have the pavement's luminance but another colour is
    /// found whole. Grey frames (three equal channels) give the same boxes for any value. 0 = grey levels only
    /// (models trained before detection step 2b, which record no `colour_scale`). Chosen on the Avenue training videos
    /// against confident YOLO people: 1 (the largest channel difference alone), 1.5, 2 and 3 matched 25.7, 23.1, 22.1
    /// and 21.9 % of the touched people whole (grey levels 21.7 %) with 2.42, 2.20, 2.15 and 2.11 stray boxes a frame
    /// (2.09): 1 added more strays than allowed, 1.5 matched the most people of the others.
    public var colourScale: Float = 1.5

    /// The pixel layout the detector wants its frames and its pre-pass background in.
    public var frameLayout: PixelLayout { colourScale > 0 ? .rgb24 : .gray8 }

    public init() {}

    /// One setting a user or a model chooses: its `detect` option, the key a model records it under, and the values
    /// that work (beyond them a value only overflows the box arithmetic: a huge margin trapped). The CLI and the
    /// model reader check the same table.
    public struct Limit: Sendable {
        public let option: String, key: String
        public let lowest: Double, highest: Double
        /// The highest value itself is refused (the split valley: a cut where every line is a gap cuts nowhere).
        public let highestExcluded: Bool
        let value: @Sendable (MotionParameters) -> Double

        public var rangeText: String {
            func text(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
            return highestExcluded ? "[\(text(lowest)), \(text(highest)))" : "\(text(lowest))...\(text(highest))"
        }

        func admits(_ parameters: MotionParameters) -> Bool {
            let v = value(parameters)
            return v >= lowest && (highestExcluded ? v < highest : v <= highest)
        }
    }

    public static let limits: [Limit] = [
        Limit(option: "bg-threshold", key: "bg_threshold", lowest: 0, highest: 65536, highestExcluded: false) { Double($0.backgroundThreshold) },
        Limit(option: "diff-threshold", key: "diff_threshold", lowest: 0, highest: 65536, highestExcluded: false) { Double($0.frameDifferenceThreshold) },
        Limit(option: "min-area", key: "min_area", lowest: 0, highest: 1_073_741_824, highestExcluded: false) { Double($0.minArea) },
        Limit(option: "margin", key: "margin", lowest: 0, highest: 65536, highestExcluded: false) { Double($0.margin) },
        Limit(option: "split-area", key: "split_area", lowest: 0, highest: 1_073_741_824, highestExcluded: false) { Double($0.splitMinPieceArea) },
        Limit(option: "split-valley", key: "split_valley", lowest: 0, highest: 1, highestExcluded: true) { Double($0.splitValley) },
        Limit(option: "motion-reference-height", key: "reference_height", lowest: 0, highest: 65536, highestExcluded: false) { Double($0.referenceHeight) },
        Limit(option: "colour-scale", key: "colour_scale", lowest: 0, highest: 65536, highestExcluded: false) { Double($0.colourScale) },
    ]

    /// "NAME must lie in RANGE" for the first setting outside its range (NAME chosen by `name`: the option for the
    /// CLI, the key for a model), or nil. NaN lies in no range.
    public func problem(naming name: (Limit) -> String) -> String? {
        Self.limits.first { !$0.admits(self) }.map { "\(name($0)) must lie in \($0.rangeText)" }
    }

    /// The parameters for frames `height` pixels tall (see `referenceHeight`); unchanged up to the reference height.
    public func scaled(toHeight height: Int) -> MotionParameters {
        guard referenceHeight > 0, height > referenceHeight else { return self }
        let s = Double(height) / Double(referenceHeight)
        var p = self
        p.closeRadius = max(1, Int((Double(closeRadius) * s).rounded()))
        p.minSide = max(1, Int((Double(minSide) * s).rounded()))
        p.margin = Int((Double(margin) * s).rounded())
        p.minArea = Int((Double(minArea) * s * s).rounded())
        p.splitMinPieceArea = Int((Double(splitMinPieceArea) * s * s).rounded())
        return p
    }
}
