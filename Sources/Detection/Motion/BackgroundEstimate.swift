import VideoIO

/// A first, cheap pass over a video: the per-pixel (per-channel for `.rgb24`) median of up to `samples` evenly spaced
/// frames. Asked for `.rgb24`, a video whose sampled frames all have three equal channels (a grey video decoded to
/// RGB, like Ped2's) gets a grey background (`width * height` values): the motion detector then compares grey levels,
/// which find the same boxes on such frames at a third of the cost.
/// Memory is bounded by `samples` frames (not the video length). Gives the motion detector a background that
/// does not contain the objects of the first frames.
public enum BackgroundEstimate {
    public static func median(of path: String, layout: PixelLayout = .gray8, samples: Int = 48) throws
        -> (width: Int, height: Int, pixels: [UInt8])? {
        let reader = try FrameReader(path: path, layout: layout)
        let count = reader.info.frameCount ?? 0
        let stride = count > samples ? Int((Double(count) / Double(samples)).rounded(.up)) : 1
        var kept: [[UInt8]] = []
        var width = 0, height = 0
        var grey = layout == .rgb24
        var index = 0
        while let frame = try reader.next() {
            defer { index += 1 }
            if index % stride != 0 { continue }
            if kept.isEmpty { width = frame.width; height = frame.height }
            guard frame.width == width, frame.height == height else { continue }
            if grey { grey = hasEqualChannels(frame.pixels) }
            kept.append(frame.pixels)
            if kept.count >= 4 * samples { break }   // unknown length: stay bounded
        }
        guard !kept.isEmpty else { return nil }
        if grey {
            return (width, height, median(kept, count: width * height, every: 3))
        }
        return (width, height, median(kept, count: width * height * layout.channels))
    }

    /// Whether every pixel of packed RGB values has R = G = B.
    public static func hasEqualChannels(_ rgb: [UInt8]) -> Bool {
        rgb.withUnsafeBufferPointer { p in
            var differs = false
            var i = 0
            while i + 2 < p.count { differs = differs || p[i] != p[i + 1] || p[i] != p[i + 2]; i += 3 }
            return !differs
        }
    }

    /// Per-value median of equally sized images (lower median for an even count): `count` values, value i read at
    /// `every * i` (3 reads the first channel of packed RGB, without copying it out).
    public static func median(_ images: [[UInt8]], count: Int, every: Int = 1) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var histogram = [Int](repeating: 0, count: 256)
        let half = (images.count - 1) / 2
        for i in 0..<count {
            for v in 0..<256 { histogram[v] = 0 }
            for image in images { histogram[Int(image[every * i])] += 1 }
            var seen = 0
            for v in 0..<256 {
                seen += histogram[v]
                if seen > half { out[i] = UInt8(v); break }
            }
        }
        return out
    }
}
