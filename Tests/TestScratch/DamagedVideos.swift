import Foundation
import Randomness
import VideoIO

/// Small videos written at test time and damaged copies of them: what a reader meets in a cut recording, a file with
/// bad sectors, an empty file or a text file named `.mp4`. No fixture is committed: the bytes come from `VideoWriter`.
public enum DamagedVideos {
    /// Writes `frames` frames (`width` x `height`, 25 fps): two bright squares moving right over a dark checkerboard
    /// (the motion detector finds them), encoded with `codec`.
    @discardableResult
    public static func writeClip(to path: String, codec: VideoWriter.Codec, frames: Int = 40, width: Int = 128, height: Int = 96) throws -> String {
        let writer = try VideoWriter(path: path, width: width, height: height, fps: 25, codec: codec)
        for t in 0..<frames {
            var px = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height { for x in 0..<width {
                let g = UInt8(30 + ((x / 8 + y / 8) % 2) * 10)
                for c in 0..<3 { px[(y * width + x) * 3 + c] = g }
            }}
            for (k, (x0, y0)) in [(4, 10), (30, height - 30)].enumerated() {
                for dy in 0..<16 { for dx in 0..<16 {
                    let x = x0 + 2 * t + dx, y = y0 + dy
                    guard x < width, y < height else { continue }
                    for c in 0..<3 { px[(y * width + x) * 3 + c] = UInt8(180 + 30 * k + 10 * c) }
                }}
            }
            try writer.append(Frame(index: t, width: width, height: height, layout: .rgb24, pixels: px))
        }
        try writer.finish()
        return path
    }

    /// One kind of damage.
    public enum Damage: CustomStringConvertible, Sendable {
        /// The first `fraction` of the bytes (a recording cut off).
        case truncated(fraction: Double)
        /// `count` bytes in the middle inverted (a bad sector).
        case flippedInTheMiddle(count: Int)
        /// Every byte of the middle half replaced with probability `share` (seeded).
        case scrambled(share: Double, seed: UInt64)
        /// No bytes at all.
        case empty
        /// A text file under the video's name.
        case text

        public var description: String {
            switch self {
            case .truncated(let f): return "cut at \(Int((f * 100).rounded())) %"
            case .flippedInTheMiddle(let n): return "\(n) bytes flipped in the middle"
            case .scrambled(let share, _): return "\(share * 100) % of the middle half's bytes replaced"
            case .empty: return "zero length"
            case .text: return "a text file"
            }
        }
    }

    /// Writes a damaged copy of `source` to `path`.
    public static func damage(_ source: String, _ damage: Damage, to path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        switch damage {
        case .truncated(let fraction):
            bytes = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
        case .flippedInTheMiddle(let count):
            for i in bytes.count / 2..<min(bytes.count, bytes.count / 2 + count) { bytes[i] ^= 0xFF }
        case .scrambled(let share, let seed):
            var random = SplitMix64(seed: seed)
            for i in bytes.count / 4..<(3 * bytes.count / 4) where random.unit() < share {
                bytes[i] = UInt8(truncatingIfNeeded: random.next())
            }
        case .empty:
            bytes = []
        case .text:
            bytes = Array("This is not a video: notes from the night shift.\n".utf8)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
