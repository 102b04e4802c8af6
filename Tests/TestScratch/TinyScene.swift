import Foundation
import VideoIO

/// Small frame-folder videos that the motion detector finds objects in, and the tiny network that trains on them in
/// seconds: what the training and scoring tests run on.
public enum TinyScene {
    /// `count` folders of `frames` PNG frames (128 x 64): two bright squares drifting right over a dark checkerboard,
    /// in `folder`/video0, video1, ...
    public static func makeVideos(in folder: String, count: Int = 2, frames: Int = 40) throws -> [String] {
        let width = 128, height = 64
        return try (0..<count).map { v in
            let dir = folder + "/video\(v)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for t in 0..<frames {
                var px = [UInt8](repeating: 0, count: width * height * 3)
                for y in 0..<height { for x in 0..<width {
                    let g = UInt8(30 + ((x / 8 + y / 8) % 2) * 10)
                    for c in 0..<3 { px[(y * width + x) * 3 + c] = g }
                }}
                for (k, (x0, y0)) in [(4 + 7 * v, 8), (30 + 5 * v, 38)].enumerated() {
                    for dy in 0..<14 { for dx in 0..<14 {
                        let x = x0 + 2 * t + dx, y = y0 + dy
                        guard x < width else { continue }
                        for c in 0..<3 { px[(y * width + x) * 3 + c] = dx < 3 ? 20 : UInt8(180 + 30 * k + 10 * c) }
                    }}
                }
                try ImageFile.write(Frame(index: t, width: width, height: height, layout: .rgb24, pixels: px),
                                    to: dir + String(format: "/%04d.png", t))
            }
            return dir
        }
    }

    /// `ssmtl train` options of a tiny network: an epoch takes seconds in a debug build.
    public static let trainArguments = ["--crop-size", "16", "--encoder", "4,M,8,M", "--head-channels", "4", "--decoder-channels", "4",
                                        "--batch", "8", "--shuffle-buffer", "16", "--threads", "1", "--quiet"]
}
