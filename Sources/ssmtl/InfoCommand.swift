import ArgumentParser
import Foundation
import VideoIO

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the videos found in the inputs: name, frames, size, fps, codec.",
        discussion: """
            INPUT is a video file, a folder of frames (one video), or a folder of videos and/or frame folders \
            (a dataset split). Without --decode the frame count is what the container states ('?' when it does not); \
            with --decode every frame is decoded to RGB24, counted and timed (a decoding benchmark).
            """)

    @Argument(help: "Video files, frame folders, or folders of those.")
    var inputs: [String]

    @Flag(help: "Decode every frame to RGB24, count the frames exactly and report the decoding speed.")
    var decode = false

    @Option(help: "Decoder threads for video files (0 = FFmpeg's choice, as the ffmpeg command line).")
    var threads = 0

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        try validateThreadCount(threads)
    }

    func run() throws {
        let videos = try discoverVideos(inputs)
        print("video\tframes\tsize\tfps\tcodec\tpixel_format\tpath" + (decode ? "\tdecode_fps" : ""))
        var failures: [String] = []
        var totalFrames = 0
        var totalSeconds = 0.0
        for video in videos {
            do {
                let reader = try FrameReader(path: video.path, threads: threads)
                let info = reader.info
                var frames = info.frameCount.map(String.init) ?? "?"
                var speed = ""
                if decode {
                    let bar = ProgressBar(info.name, total: info.frameCount, quiet: quiet)
                    let start = Date()
                    var count = 0
                    while try reader.next() != nil { count += 1; bar.advance() }
                    bar.finish()
                    let seconds = Date().timeIntervalSince(start)
                    totalFrames += count
                    totalSeconds += seconds
                    frames = String(count)
                    speed = String(format: "\t%.1f", Double(count) / max(seconds, 1e-9))
                }
                print("\(info.name)\t\(frames)\t\(info.width)x\(info.height)\t\(String(format: "%.3g", info.fps))\t\(info.codec)\t\(info.pixelFormat)\t\(info.path)\(speed)")
            } catch {
                Terminal.error("\(error)")
                failures.append(video.name)
            }
        }
        if decode && totalSeconds > 0 {
            print(String(format: "decoded_frames=%d decode_seconds=%.3f decode_fps=%.1f", totalFrames, totalSeconds, Double(totalFrames) / totalSeconds))
        }
        if !failures.isEmpty {
            if videos.count == 1 { throw ExitCode.failure }
            Terminal.error("\(failures.count) of \(videos.count) videos failed: \(failures.joined(separator: ", "))")
            throw ExitCode.failure
        }
    }
}
