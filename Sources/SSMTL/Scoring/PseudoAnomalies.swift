/// Validation without anomaly labels: a held-out *normal* video is replayed with some segments made abnormal in
/// time (fast-forwarded, like running, or played backwards, like walking backwards), and those frames are labelled
/// anomalous. Scoring such a replay tells how well settings that do not change the network (the temporal smoothing
/// σ) separate abnormal motion from normal motion, without looking at any test label.
public struct PseudoAnomalyPlan: Sendable, Equatable {
    /// Source frame shown at each output frame.
    public var frameOrder: [Int]
    /// 1 for output frames inside an abnormal segment.
    public var labels: [UInt8]
}

public enum PseudoAnomalies {
    /// Plays the video forwards, and every `period` output frames replaces the next `length` frames by a segment
    /// that alternates between fast-forward (every `speed`-th source frame) and reversed playback of the next
    /// `length` source frames. Ends when the source runs out.
    public static func plan(frameCount: Int, period: Int = 60, length: Int = 20, speed: Int = 3) -> PseudoAnomalyPlan {
        precondition(period > length && length > 0 && speed > 1)
        var order: [Int] = [], labels: [UInt8] = []
        var source = 0, segment = 0
        while source < frameCount {
            let inSegment = order.count % period >= period - length
            if !inSegment {
                order.append(source); labels.append(0); source += 1
                continue
            }
            // One whole abnormal segment.
            let fast = segment % 2 == 0
            segment += 1
            if fast {
                for k in 0..<length where source + k * speed < frameCount {
                    order.append(source + k * speed); labels.append(1)
                }
                source += length * speed
            } else {
                let end = min(source + length, frameCount)
                for s in stride(from: end - 1, through: source, by: -1) { order.append(s); labels.append(1) }
                source = end
            }
        }
        return PseudoAnomalyPlan(frameOrder: order, labels: labels)
    }

    /// The fewest source frames whose replay has both normal and abnormal frames: the first abnormal segment starts
    /// after `period - length` normal ones.
    public static func minimumFrameCount(period: Int = 60, length: Int = 20) -> Int { period - length + 1 }
}
